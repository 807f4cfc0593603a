// narrate review: the book's chapters, their audio and text; the sentence heard is highlighted.
// Every piece of the book's text is set with textContent, never parsed as HTML.
"use strict";

let book = null; // the outline: the book and its chapter list; a chapter's text is fetched when opened
const players = new Map(); // chapter index -> { audio, sentences: [{start, end, el}], stopAt }
const opened = new Set(); // numbers of the chapters opened: opened again after a reload

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function status(text) { document.getElementById("status").textContent = text; }

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const doc = await response.json();
  if (!response.ok) throw new Error(doc.error || response.statusText);
  return doc;
}

async function load() {
  const response = await fetch("api/book");
  const outline = await response.json();
  if (!response.ok) { status(outline.error); return; }
  book = outline;
  render();
  if (!opened.size) { // first load: the first chapter narrated, else the first
    const first = book.chapters.find(ch => ch.audio) || book.chapters[0];
    if (first) opened.add(first.number);
  }
  await Promise.all([...opened].map(number => openChapter(number)));
}

function render() {
  document.getElementById("title").textContent = `${book.title} — ${book.authors.join(", ") || "unknown author"}`;
  document.title = `review: ${book.title}`;
  const pick = document.getElementById("chapter-pick");
  pick.replaceChildren(...book.chapters.map(ch => el("option", { value: ch.number, text: `${ch.number}. ${ch.title}` })));
  players.clear();
  renderCast();
  document.getElementById("chapters").replaceChildren(...book.chapters.map(renderOutline));
}

// A chapter closed: its title and counts; its text is fetched when it is opened.
function renderOutline(ch) {
  const section = el("section", { class: "chapter closed", id: `chapter-${ch.index}`, "data-number": ch.number });
  const counts = [`${ch.chunks} chunks`];
  if (!ch.audio) counts.push("not narrated yet");
  if (ch.flagged) counts.push(`${ch.flagged} flagged`);
  if (ch.marked) counts.push(`${ch.marked} marked`);
  section.append(el("h2", {},
    el("button", { class: "open", "aria-expanded": "false", text: `${ch.number}. ${ch.title}`,
                   onclick: () => (opened.has(ch.number) ? closeChapter(ch.number) : openChapter(ch.number)) }),
    el("small", { class: "counts", text: ` ${counts.join(" · ")}` })));
  return section;
}

function chapterSection(number) { return document.querySelector(`section.chapter[data-number="${number}"]`); }

async function openChapter(number) {
  const section = chapterSection(number);
  if (!section) { opened.delete(number); return; }
  opened.add(number);
  const response = await fetch(`api/chapter/${number}`);
  const ch = await response.json();
  if (!response.ok) { status(ch.error); return; }
  if (!opened.has(number) || chapterSection(number) !== section) return; // closed or redrawn meanwhile
  section.querySelector(".body")?.remove();
  section.append(renderChapter(ch));
  section.classList.remove("closed");
  section.querySelector("button.open").setAttribute("aria-expanded", "true");
}

function closeChapter(number) {
  opened.delete(number);
  const section = chapterSection(number);
  if (!section) return;
  const player = players.get(Number(section.id.slice("chapter-".length)));
  if (player && player.audio) player.audio.pause();
  section.querySelector(".body")?.remove();
  section.classList.add("closed");
  section.querySelector("button.open").setAttribute("aria-expanded", "false");
}

// The cast: each character's voice, edited in cast.toml (a name, a mix, or empty for the narrator's).
function renderCast() {
  const cast = book.cast || [];
  document.getElementById("cast").hidden = !cast.length;
  document.getElementById("cast-rows").replaceChildren(...cast.map(c => {
    const input = el("input", { value: c.voice, "aria-label": `voice of ${c.name}`, placeholder: `narrator (${book.narrator})` });
    input.addEventListener("change", async () => {
      try {
        await post("api/voice", { character: c.id, voice: input.value });
        status(`cast.toml: ${c.name} reads in ${input.value || "the narrator's voice"}; Apply to hear it`);
      } catch (e) { status(e.message); input.value = c.voice; }
    });
    return el("tr", { class: "character" }, el("td", { text: c.name }), el("td", { text: `${c.lines} lines` }), el("td", {}, input));
  }));
}

// Who says a quote, written to script.tsv's speaker column.
function speakerSelect(ch, paragraph, span) {
  const select = el("select", { "aria-label": `speaker of span ${span.span}`, "data-speaker": span.span });
  select.append(el("option", { value: "", text: "narrator" }));
  for (const c of book.cast) select.append(el("option", { value: c.id, text: c.name }));
  select.value = span.character || "";
  select.addEventListener("change", async () => {
    try {
      await post("api/speaker", { chapter: ch.index, paragraph, span: span.span, speaker: select.value });
      status(`script.tsv: span ${span.span} of paragraph ${paragraph + 1} is said by ${select.selectedOptions[0].text}; Apply to hear it`);
    } catch (e) { status(e.message); select.value = span.character || ""; }
  });
  return select;
}

function renderChapter(ch) {
  const unspaced = book.unspaced; // Japanese, Mandarin, Thai: no space between sentences
  const section = el("div", { class: "body" });
  const chunks = new Map(ch.chunks.map(c => [c.index, c]));
  let audio = null;
  if (ch.audio) {
    audio = el("audio", { controls: "", preload: "metadata", src: ch.audio, "data-chapter": ch.index });
    section.append(audio);
  } else {
    section.append(el("p", { class: "flag", text: "Not narrated yet: narrate the book without --chapters to make it." }));
  }
  const player = { audio, sentences: [], stopAt: null, current: null };
  players.set(ch.index, player);
  const lastSentence = new Map(); // chunk -> the last sentence it speaks: its flags and takes go after it
  for (const s of ch.sentences) for (const index of s.chunks) lastSentence.set(index, s.id);
  let paragraph = null, block = null;
  for (const s of ch.sentences) {
    if (!block || s.paragraph !== paragraph) {
      paragraph = s.paragraph;
      block = el("div", { class: "paragraph", "data-paragraph": paragraph === null ? "title" : paragraph });
      if (paragraph !== null) block.append(renderSpans(ch, paragraph));
      section.append(block);
    }
    const span = renderSentence(ch, s, chunks, player);
    block.append(span, unspaced ? "" : " ");
    for (const index of s.chunks) {
      if (lastSentence.get(index) !== s.id) continue;
      const chunk = chunks.get(index);
      if (chunk && chunk.flagged) block.append(renderFlag(chunk));
      if (chunk && chunk.previous) block.append(renderChanged(chunk));
    }
  }
  if (audio) {
    const follow = () => highlight(player);
    audio.addEventListener("timeupdate", follow);
    audio.addEventListener("seeked", follow);
    audio.addEventListener("play", () => requestAnimationFrame(function tick() {
      follow();
      if (!audio.paused) requestAnimationFrame(tick);
    }));
  }
  return section;
}

function renderSpans(ch, paragraph) {
  const row = el("div", { class: "spans" });
  for (const span of ch.paragraphs[paragraph] || []) {
    const select = el("select", { "aria-label": `tag of span ${span.span}`, "data-span": span.span });
    for (const tag of book.tags) select.append(el("option", { value: tag, text: tag }));
    select.value = span.tag;
    select.addEventListener("change", async () => {
      try {
        await post("api/tag", { chapter: ch.index, paragraph, span: span.span, tag: select.value });
        status(`script.tsv: span ${span.span} of paragraph ${paragraph + 1} is ${select.value}; Apply to hear it`);
      } catch (e) { status(e.message); select.value = span.tag; }
    });
    const quote = span.text.length > 40 ? span.text.slice(0, 40) + "…" : span.text;
    const who = span.speaker === "dialogue" && (book.cast || []).length ? [" ", speakerSelect(ch, paragraph, span)] : [];
    row.append(el("span", { class: "span", title: span.text }, el("b", { text: span.speaker }), ` ${quote} `, select, ...who));
  }
  return row;
}

function renderSentence(ch, s, chunks, player) {
  const marked = s.chunks.some(i => chunks.get(i) && chunks.get(i).marked);
  const span = el("span", { class: "sentence" + (marked ? " marked" : ""), "data-id": s.id, text: s.text });
  if (s.start !== null) span.dataset.start = s.start;
  const tools = el("span", { class: "tools" });
  if (s.start !== null && player.audio) {
    tools.append(el("button", { class: "play", title: "play this sentence", text: "▶", onclick: (e) => {
      e.stopPropagation(); playSentence(player, s);
    } }));
    player.sentences.push({ start: s.start, end: s.end, el: span });
  }
  tools.append(el("button", { class: "retake", title: "mark for a new take", text: marked ? "↺ marked" : "↺", onclick: async (e) => {
    e.stopPropagation();
    try {
      for (const index of s.chunks) await post("api/retake", { chunk: index, marked: !marked });
      await load();
      status(marked ? "unmarked" : "marked for a new take at Apply (retakes.tsv)");
    } catch (err) { status(err.message); }
  } }));
  tools.append(el("button", { class: "say", title: "fix how a word is said", text: "Aa", onclick: (e) => {
    e.stopPropagation(); sayForm(span, s);
  } }));
  span.append(tools);
  span.addEventListener("click", () => { if (s.start !== null && player.audio) playSentence(player, s); });
  return span;
}

function sayForm(span, s) {
  const form = document.getElementById("say-form").content.firstElementChild.cloneNode(true);
  const picked = String(window.getSelection() || "").trim();
  form.elements.word.value = picked && s.text.includes(picked) ? picked : "";
  form.querySelector(".cancel").addEventListener("click", () => form.remove());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const done = await post("api/lexicon", { word: form.elements.word.value, say: form.elements.say.value });
      status(`${done.file}: ${done.entries} entries; Apply to hear it`);
      form.remove();
    } catch (err) { status(err.message); }
  });
  span.after(form);
  form.elements.word.focus();
}

function renderFlag(chunk) {
  const parts = [`QA flagged chunk ${chunk.index}`];
  if (chunk.reasons.length) parts.push(chunk.reasons.join(", "));
  if (chunk.retakes) parts.push(`${chunk.retakes} retake(s)`);
  const box = el("div", { class: "flag" }, parts.join(" · "));
  if (chunk.transcript) box.append(el("div", { class: "transcript", text: `heard: “${chunk.transcript}”` }));
  return box;
}

function renderChanged(chunk) {
  return el("div", { class: "changed", "data-chunk": chunk.index },
    `chunk ${chunk.index}: old take `, el("audio", { controls: "", preload: "none", src: `audio/before/${chunk.previous}` }),
    " new take ", el("audio", { controls: "", preload: "none", src: `audio/take/${chunk.key}` }));
}

function playSentence(player, s) {
  player.stopAt = s.end;
  player.audio.currentTime = s.start;
  player.audio.play();
}

// The sentence heard: the last one begun at the audio's clock.
function highlight(player) {
  const t = player.audio.currentTime;
  if (player.stopAt !== null && t >= player.stopAt) { player.audio.pause(); player.stopAt = null; }
  let found = null;
  for (const s of player.sentences) if (s.start <= t + 0.02) found = s; else break;
  if (found === player.current) return;
  if (player.current) player.current.el.classList.remove("current");
  player.current = found;
  if (found) found.el.classList.add("current");
}

async function apply() {
  const button = document.getElementById("apply"), bar = document.getElementById("apply-progress");
  try {
    await post("api/apply", {});
  } catch (e) { status(e.message); return; }
  button.disabled = true; bar.hidden = false;
  for (;;) {
    await new Promise(r => setTimeout(r, 500));
    const p = await (await fetch("api/progress")).json();
    if (p.to_synthesize !== undefined) {
      bar.max = Math.max(1, p.chunks); bar.value = p.done || 0;
      status(`applying: ${p.done || 0} of ${p.chunks} chunks checked, ${p.to_synthesize} to synthesize`);
    }
    if (p.state === "done") { status(`applied: ${p.synthesized} chunk(s) synthesized again`); break; }
    if (p.state === "failed") { status(`apply failed: ${p.error}`); break; }
  }
  button.disabled = false; bar.hidden = true;
  await load();
  document.body.dataset.applied = "yes";
}

document.getElementById("apply").addEventListener("click", apply);
document.getElementById("chapter-pick").addEventListener("change", async (e) => {
  const number = Number(e.target.value);
  if (!opened.has(number)) await openChapter(number);
  chapterSection(number)?.scrollIntoView();
});
load();
