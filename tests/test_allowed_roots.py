"""NARRATION_ALLOWED_ROOTS: a run's paths (the book, the inputs, the output folder, every file or
folder named in the options) must lie inside the allowed folders once symlinks and ``..`` are
resolved, or the run is refused before anything is read or written (issue 26, item 8)."""

from __future__ import annotations

import os
import typing
from pathlib import Path

import pytest

from narration.allowed_roots import (
    ENV,
    FILE_OPTIONS,
    NAME_OR_PATH_OPTIONS,
    allowed_roots,
    check_allowed,
    option_paths,
)
from narration.errors import ConfigError, InputError
from narration.options import NarrationOptions

BOOK = "# A Book\n\n## One\n\nThe fox ran across the field.\n"


@pytest.fixture()
def tree(tmp_path: Path) -> dict[str, Path]:
    """An allowed folder (with a book in it) and a folder beside it that is not allowed."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    for folder in (allowed / "inputs", allowed / "outputs", outside):
        folder.mkdir(parents=True)
    for folder in (allowed / "inputs", outside):
        (folder / "book.md").write_text(BOOK, encoding="utf-8")
    return {"allowed": allowed, "outside": outside}


def refused(paths: dict[str, object], roots: list[Path], options: NarrationOptions | None = None) -> str:
    with pytest.raises(InputError) as caught:
        check_allowed(paths, options, roots)  # type: ignore[arg-type]
    return str(caught.value)


# --- the roots ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", os.pathsep, f" {os.pathsep} "])
def test_unset_or_empty_allows_every_path(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv(ENV, raising=False)
    else:
        monkeypatch.setenv(ENV, value)
    assert allowed_roots() == ()
    check_allowed({"book_path": "/etc/passwd", "out_dir": "/"}, NarrationOptions(lexicon="/etc/shadow"))


def test_the_variable_lists_folders_resolved(monkeypatch: pytest.MonkeyPatch, tree: dict[str, Path]) -> None:
    link = tree["allowed"].parent / "link-to-allowed"
    link.symlink_to(tree["allowed"], target_is_directory=True)
    monkeypatch.setenv(ENV, os.pathsep.join([str(link), str(tree["outside"] / "x" / "..")]))
    assert allowed_roots() == (tree["allowed"].resolve(), tree["outside"].resolve())


def test_a_relative_root_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, f"/srv/books{os.pathsep}books")
    with pytest.raises(ConfigError, match=rf"{ENV}: 'books' is not an absolute path"):
        allowed_roots()


# --- paths inside and outside ------------------------------------------------------------------


def test_paths_inside_pass(tree: dict[str, Path]) -> None:
    allowed = tree["allowed"]
    check_allowed({"book_path": allowed / "inputs" / "book.md", "out_dir": allowed / "outputs",
                   "inputs": allowed / "inputs" / ".." / "inputs", "new": allowed / "not-made-yet" / "deeper"},
                  roots=[allowed])


def test_a_path_outside_is_refused_naming_it_the_parameter_and_the_roots(tree: dict[str, Path]) -> None:
    book = tree["outside"] / "book.md"
    message = refused({"out_dir": tree["allowed"] / "outputs", "book_path": book}, [tree["allowed"]])
    assert message.startswith(f"{book}: book_path is outside the folders {ENV} allows ({tree['allowed']})")


def test_a_folder_named_like_a_root_is_not_inside_it(tree: dict[str, Path]) -> None:
    # '/x/allowed-not' starts with the characters of '/x/allowed' but is another folder
    sibling = tree["allowed"].with_name("allowed-not")
    sibling.mkdir()
    refused({"out_dir": sibling}, [tree["allowed"]])


def test_dot_dot_out_of_a_root_is_refused(tree: dict[str, Path]) -> None:
    sneaky = f"{tree['allowed']}/inputs/../../outside/book.md"
    message = refused({"book_path": sneaky}, [tree["allowed"]])
    assert f"resolves to {tree['outside'] / 'book.md'}, outside" in message


def test_a_symlink_out_of_a_root_is_refused(tree: dict[str, Path]) -> None:
    allowed = tree["allowed"]
    (allowed / "inputs" / "linked.md").symlink_to(tree["outside"] / "book.md")
    (allowed / "outputs" / "elsewhere").symlink_to(tree["outside"], target_is_directory=True)
    assert "resolves to" in refused({"book_path": allowed / "inputs" / "linked.md"}, [allowed])
    assert "resolves to" in refused({"out_dir": allowed / "outputs" / "elsewhere" / "deeper"}, [allowed])


def test_a_symlink_that_stays_inside_passes(tree: dict[str, Path]) -> None:
    allowed = tree["allowed"]
    (allowed / "outputs" / "inbox").symlink_to(allowed / "inputs", target_is_directory=True)
    check_allowed({"book_path": allowed / "outputs" / "inbox" / "book.md"}, roots=[allowed])


def test_relative_paths_are_read_from_the_working_folder(monkeypatch: pytest.MonkeyPatch,
                                                         tree: dict[str, Path]) -> None:
    monkeypatch.chdir(tree["allowed"] / "inputs")
    check_allowed({"book_path": "book.md"}, roots=[tree["allowed"]])
    monkeypatch.chdir(tree["outside"])
    refused({"book_path": "book.md"}, [tree["allowed"]])


def test_a_tilde_path_is_checked_both_as_written_and_expanded(monkeypatch: pytest.MonkeyPatch,
                                                              tree: dict[str, Path]) -> None:
    # Some readers expand '~' (the styles table), some do not (the lexicon): both must be inside.
    monkeypatch.chdir(tree["allowed"])
    monkeypatch.setenv("HOME", str(tree["outside"]))
    refused({"lexicon": "~/lexicon.toml"}, [tree["allowed"]])
    monkeypatch.setenv("HOME", str(tree["allowed"] / "home"))
    check_allowed({"lexicon": "~/lexicon.toml"}, roots=[tree["allowed"]])


def test_a_path_that_cannot_be_resolved_is_refused(tree: dict[str, Path]) -> None:
    loop = tree["allowed"] / "loop"
    loop.symlink_to(loop)
    assert "cannot be resolved" in refused({"book_path": "book\x00.md"}, [tree["allowed"]])
    refused({"book_path": loop / "book.md"}, [tree["allowed"]])


def test_any_of_several_roots_will_do(tree: dict[str, Path]) -> None:
    roots = [tree["allowed"], tree["outside"]]
    check_allowed({"book_path": tree["outside"] / "book.md", "out_dir": tree["allowed"] / "outputs"}, roots=roots)


# --- the options -------------------------------------------------------------------------------

PATH_OPTIONS = FILE_OPTIONS + NAME_OR_PATH_OPTIONS


def _options(section: str, field: str, value: str) -> NarrationOptions:
    return NarrationOptions(**{section: {field: value}})


@pytest.mark.parametrize(("section", "field"), PATH_OPTIONS, ids=[f"{s}.{f}" for s, f in PATH_OPTIONS])
def test_every_path_option_is_checked(tree: dict[str, Path], section: str, field: str) -> None:
    inside, outside = tree["allowed"] / "file", tree["outside"] / "file"
    check_allowed({}, _options(section, field, str(inside)), [tree["allowed"]])
    message = refused({}, [tree["allowed"]], _options(section, field, str(outside)))
    assert f"options.{section}.{field} is outside" in message


@pytest.mark.parametrize(("section", "field", "name"), [
    ("synthesis", "model", "Qwen/Qwen3-TTS-12Hz-1.7B-CustomVoice"),
    ("synthesis", "voice", "en_US-joe-medium"),
    ("synthesis", "voice", "af_heart:0.7,bf_emma:0.3"),
    ("qa", "asr_model", "tiny.en"),
    ("emotion", "model", "mlask"),
    ("emotion", "model", "SamLowe/roberta-base-go_emotions"),
])
def test_hub_ids_and_names_are_not_paths(monkeypatch: pytest.MonkeyPatch, tree: dict[str, Path],
                                         section: str, field: str, name: str) -> None:
    monkeypatch.chdir(tree["outside"])
    options = _options(section, field, name)
    assert option_paths(options) == {}
    check_allowed({}, options, [tree["allowed"]])


def test_a_name_that_is_there_on_disk_is_a_path(monkeypatch: pytest.MonkeyPatch, tree: dict[str, Path]) -> None:
    # The ASR and model loaders read a local folder of that name first.
    monkeypatch.chdir(tree["outside"])
    (tree["outside"] / "base").mkdir()
    message = refused({}, [tree["allowed"]], _options("qa", "asr_model", "base"))
    assert "options.qa.asr_model" in message


def test_a_relative_model_path_is_a_path(tree: dict[str, Path]) -> None:
    assert option_paths(_options("emotion", "model", "../models/mine")) == {"options.emotion.model": "../models/mine"}
    assert option_paths(_options("synthesis", "voice", "~/voices/v.onnx")) == {"options.synthesis.voice": "~/voices/v.onnx"}


#: String options that never name a file or folder. A new string option must be added here or to
#: the checked ones in narration.allowed_roots.
NOT_PATHS = {("synthesis", "backend"), ("synthesis", "quantization"), ("assembly", "bitrate"),
             ("assembly", "profile"), ("emotion", "device"), ("chapters",)}


def test_every_string_option_is_either_checked_or_known_not_to_be_a_path() -> None:
    strings = set()
    for section, section_field in NarrationOptions.model_fields.items():
        if section_field.annotation in (str, str | None):  # a run-wide option beside the stages' parts
            strings.add((section,))
            continue
        for name, field in typing.cast(type, section_field.annotation).model_fields.items():
            if field.annotation in (str, str | None):
                strings.add((section, name))
    assert strings == set(PATH_OPTIONS) | NOT_PATHS


# --- where it is checked -----------------------------------------------------------------------


def test_the_command_line_refuses_a_book_outside(monkeypatch: pytest.MonkeyPatch, tree: dict[str, Path],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from narration.cli import main

    monkeypatch.setenv(ENV, str(tree["allowed"]))
    book, out = tree["outside"] / "book.md", tree["allowed"] / "outputs"
    assert main([str(book), "--out", str(out), "--backend", "piper", "--dry-run"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "BOOK is outside" in lines[0], lines
    inside = tree["allowed"] / "inputs" / "book.md"
    assert main([str(inside), "--out", str(out), "--backend", "piper", "--dry-run", "--json"]) == 0


@pytest.mark.parametrize("command", ["serve", "deploy"])
def test_serve_and_deploy_refuse_defaults_outside_and_note_when_unset(
    monkeypatch: pytest.MonkeyPatch, tree: dict[str, Path], capsys: pytest.CaptureFixture[str], command: str
) -> None:
    import flows.deployments
    from narration.cli import main

    started: list[tuple] = []
    monkeypatch.setattr(flows.deployments, "serve_all", lambda *args: started.append(args))
    monkeypatch.setattr(flows.deployments, "deploy_all", lambda *args: started.append(args) or [])
    monkeypatch.setattr("flows.scaleout.configured_api_url", lambda: "http://127.0.0.1:4200/api")
    args = [command, "--inputs", str(tree["outside"]), "--out", str(tree["allowed"] / "outputs")]
    args += ["--pool", "p"] if command == "deploy" else []

    monkeypatch.setenv(ENV, str(tree["allowed"]))
    assert main(args) == 2
    assert "--inputs is outside" in capsys.readouterr().err
    assert started == []

    monkeypatch.delenv(ENV)
    assert main(args) == 0
    assert f"{ENV} is not set" in capsys.readouterr().err
    assert len(started) == 1


def test_deploy_passes_the_roots_to_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.deployments import worker_env

    monkeypatch.delenv("NARRATION_DASK", raising=False)
    monkeypatch.delenv("NARRATION_DASK_SYNTH_RESOURCES", raising=False)
    monkeypatch.setenv(ENV, "/srv/books")
    assert worker_env() == {ENV: "/srv/books"}


@pytest.mark.slow  # over 5 s: the fast set stays under 5 minutes
@pytest.mark.usefixtures("prefect_api")
class TestFlowRuns:
    """The flows refuse a run before reading or writing anything (the deployments run these
    flows, with the form's parameters)."""

    OPTIONS = NarrationOptions(backend="piper", qa=False, m4b=False, format="flac", loudness=None)

    def test_a_book_outside_is_refused(self, monkeypatch: pytest.MonkeyPatch, tree: dict[str, Path]) -> None:
        from flows.book import narrate_book

        monkeypatch.setenv(ENV, str(tree["allowed"]))
        out = tree["allowed"] / "outputs"
        state = narrate_book(str(tree["outside"] / "book.md"), str(out), self.OPTIONS, return_state=True)
        assert state.is_failed()
        with pytest.raises(InputError, match=f"book_path is outside the folders {ENV} allows"):
            state.result()
        assert list(out.iterdir()) == []

    def test_bulk_inputs_outside_are_refused(self, monkeypatch: pytest.MonkeyPatch, tree: dict[str, Path]) -> None:
        from flows.deployments import bulk_narrate

        monkeypatch.setenv(ENV, str(tree["allowed"]))
        out = tree["allowed"] / "outputs"
        state = bulk_narrate(str(tree["outside"]), str(out), self.OPTIONS, return_state=True)
        assert state.is_failed()
        with pytest.raises(InputError, match="inputs is outside"):
            state.result()
        assert list(out.iterdir()) == []  # no ledger either

    def test_a_rerun_with_a_lexicon_outside_is_refused(self, monkeypatch: pytest.MonkeyPatch,
                                                       tree: dict[str, Path]) -> None:
        from flows.deployments import rerun_failed_chunks

        monkeypatch.setenv(ENV, str(tree["allowed"]))
        out = tree["allowed"] / "outputs"
        options = self.OPTIONS.model_copy(update={"synthesis": self.OPTIONS.synthesis.model_copy(
            update={"lexicon": str(tree["outside"] / "lexicon.toml")})})
        state = rerun_failed_chunks(str(tree["allowed"] / "inputs" / "book.md"), str(out), [0], options,
                                    return_state=True)
        assert state.is_failed()
        with pytest.raises(InputError, match="options.synthesis.lexicon is outside"):
            state.result()
        assert list(out.iterdir()) == []


# --- the README's password for the Prefect server ----------------------------------------------


@pytest.mark.slow
def test_the_prefect_password_the_readme_sets_keeps_out_requests_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Trust model: PREFECT_SERVER_API_AUTH_STRING on the server, PREFECT_API_AUTH_STRING on
    the clients. A Prefect release that dropped or renamed either would leave the API open."""
    import base64
    import urllib.error
    import urllib.request

    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    from prefect_stack import prefect_server

    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "narrator:s3cret")

    def status(api: str, credentials: str | None) -> int:
        request = urllib.request.Request(f"{api}/flows/filter", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        if credentials:
            request.add_header("Authorization", "Basic " + base64.b64encode(credentials.encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with prefect_server(tmp_path) as (env, _procs):
        api = env["PREFECT_API_URL"]
        assert [status(api, c) for c in (None, "narrator:wrong", "narrator:s3cret")] == [401, 401, 200]
        with temporary_settings(updates={PREFECT_API_URL: api, PREFECT_API_AUTH_STRING: "narrator:s3cret"}):
            with get_client(sync_client=True) as client:
                assert client.read_flows() == []
