"""Characters: aliases clustered, titles kept apart, gender and kind."""

from __future__ import annotations

from narration.cast.characters import build_characters, cluster_names


def test_aliases_join_and_titles_stay_apart():
    groups = cluster_names({
        "Elizabeth": 10, "Lizzy": 3, "Elizabeth Bennet": 1, "Mr. Bennet": 5, "Mrs. Bennet": 6,
        "Jane": 4, "Jane Bennet": 1, "Miss Bennet": 2, "Darcy": 5, "Mr. Darcy": 7, "the Hatter": 3, "Hatter": 1,
    })  # fmt: skip
    as_sets = [set(g) for g in groups]
    assert {"Elizabeth", "Lizzy", "Elizabeth Bennet"} in as_sets  # a pet name joins its full name
    assert {"Mr. Bennet"} in as_sets and {"Mrs. Bennet"} in as_sets  # the titles' genders differ
    assert {"Miss Bennet"} in as_sets  # two Miss Bennets fit: the text must link it
    assert {"Mr. Darcy", "Darcy"} in as_sets and {"the Hatter", "Hatter"} in as_sets


def test_a_shorter_description_joins_the_one_longer_it_fits():
    groups = [set(g) for g in cluster_names({
        "the little old woman": 5, "the little woman": 2, "the Tin Woodman": 9, "the Woodman": 4,
        "the Town Mouse": 3, "the Country Mouse": 3, "the Mouse": 1,
    })]  # fmt: skip
    assert {"the little old woman", "the little woman"} in groups and {"the Tin Woodman", "the Woodman"} in groups
    assert {"the Mouse"} in groups  # two mice fit it: left alone


def test_gender_and_kind():
    chars = build_characters(
        {"Alice": 3, "the Fox": 2, "the crowd": 1, "Mr. Bennet": 1, "Holmes": 2, "the Queen": 1},
        ["Holmes went out; he was tired. Holmes sat down, his pipe lit.", "The Fox ran, and he hid."],
    )
    by = {c.name: c for c in chars}
    assert by["Alice"].gender == "female"  # a first name
    assert by["Mr. Bennet"].gender == "male"  # a title
    assert by["Holmes"].gender == "male"  # pronouns after the name
    assert by["the Queen"].gender == "female"
    assert (by["the crowd"].kind, by["the crowd"].gender) == ("group", "neutral")
    assert by["the Fox"].kind == "animal"
    assert len({c.id for c in chars}) == len(chars)


def test_one_pronoun_is_enough_for_a_voice_not_for_attribution():
    from narration.cast.characters import gender_of, gendered_noun

    text = ["The Mouse ran back to his hole."]
    assert gender_of(["the Mouse"], text) == "unknown"  # two pronouns wanted to resolve "he said" by it
    assert gender_of(["the Mouse"], text, votes_needed=1) == "male"
    assert gendered_noun("the Shepherd-boy") == "male"


def test_titles_that_differ_are_two_people_and_a_bare_surname_is_the_man():
    groups = [set(g) for g in cluster_names({
        "Mrs. Bennet": 5, "Miss Bennet": 2, "Mr. Bennet": 4, "Bennet": 1, "Mr. Bingley": 5, "Miss Bingley": 3,
        "Bingley": 4, "Lady Lucas": 2, "Miss Lucas": 3, "Elizabeth Bennet": 1, "Jane Bennet": 1,
    })]  # fmt: skip
    assert {"Mrs. Bennet"} in groups and {"Miss Bennet"} in groups  # Miss is not Mrs.
    assert {"Lady Lucas"} in groups and {"Miss Lucas"} in groups
    assert {"Mr. Bingley", "Bingley"} in groups and {"Miss Bingley"} in groups
    assert {"Mr. Bennet", "Bennet"} in groups
