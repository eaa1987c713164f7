// The console's page script: plain TypeScript, no framework. Hash routes (#/topics, #/topic/x,
// #/groups/...), each view fetched from /api/ and rendered as one innerHTML write (fast enough
// for the 100-row pages the topic list shows; the server paginates and filters).

type Json = any;

const main = document.getElementById("main")!;
const statusLine = document.getElementById("status")!;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
/** Bumped on every route change, so a refresh still in flight for the old view stops there. */
let generation = 0;
let searchAbort: AbortController | undefined;

function esc(v: unknown): string {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
const enc = encodeURIComponent;

function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n, i = -1;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
function ms(n: number): string {
  if (n < 0) return "unlimited";
  const h = n / 3_600_000;
  return h >= 24 ? `${+(h / 24).toFixed(1)} d` : h >= 1 ? `${+h.toFixed(1)} h` : `${+(n / 60_000).toFixed(1)} min`;
}
function rate(n: number | null): string {
  return n === null ? "…" : n.toFixed(n < 10 ? 1 : 0);
}

async function api(path: string, init?: RequestInit): Promise<Json> {
  const res = await fetch(`/api/${path}`, init);
  const body = await res.json();
  if (!res.ok && body && typeof body === "object") body.httpStatus = res.status;
  return body;
}
function post(path: string, body: unknown): Promise<Json> {
  return api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}
function outcome(r: Json): string {
  return r.ok === true ? `<span class="ok">done</span>` : `<span class="error">${esc(r.error)}${r.message ? `: ${esc(r.message)}` : ""}</span>`;
}

// ---------------------------------------------------------------- brokers

async function brokers(): Promise<void> {
  const c = await api("cluster");
  main.innerHTML = `<h1>Broker ${esc(c.nodeId)}</h1>
  <table><tbody>
    <tr><th>Cluster id</th><td>${esc(c.clusterId)}</td></tr>
    <tr><th>Version</th><td>Bunka ${esc(c.version)} (${esc(c.commit)}), Bun ${esc(c.bun)}</td></tr>
    <tr><th>Up</th><td>${ms(c.uptimeMs)}</td></tr>
    <tr><th>Listeners</th><td>${c.listeners.map((l: Json) => `${esc(l.name)}://${esc(l.host)}:${esc(l.port)} (${esc(l.securityProtocol)})`).join("<br>")}</td></tr>
    <tr><th>Log dirs</th><td>${c.logDirs.map(esc).join("<br>")}</td></tr>
    <tr><th>Topics / groups</th><td>${c.topics} / ${c.groups}</td></tr>
    <tr><th>You are</th><td>${esc(c.principal)}</td></tr>
  </tbody></table>
  <h2>Configuration</h2>
  <div class="toolbar"><input id="cfg-filter" placeholder="filter keys"></div>
  <table id="cfg"><thead><tr><th>Key</th><th>Value</th><th>Source</th></tr></thead><tbody></tbody></table>`;
  const configs: Json[] = c.config.configs ?? [];
  const body = main.querySelector("#cfg tbody")!;
  const draw = (f: string) => {
    body.innerHTML = configs.filter((x) => x.name.includes(f)).map((x) =>
      `<tr><td>${esc(x.name)}</td><td>${x.sensitive ? "<i>hidden</i>" : esc(x.value)}</td><td class="muted">${esc(x.source)}</td></tr>`).join("");
  };
  draw("");
  (main.querySelector("#cfg-filter") as HTMLInputElement).oninput = (e) => draw((e.target as HTMLInputElement).value);
}

// ---------------------------------------------------------------- topics

const PAGE = 100;

async function topics(params: URLSearchParams): Promise<void> {
  const offset = Number(params.get("offset") ?? 0);
  const filter = params.get("filter") ?? "";
  main.innerHTML = `<h1>Topics</h1>
  <div class="toolbar">
    <input id="filter" placeholder="filter by name" value="${esc(filter)}">
    <span id="count" class="muted"></span>
    <button id="prev">‹ prev</button><button id="next">next ›</button>
  </div>
  <table id="topics"><thead><tr><th>Name</th><th class="num">Partitions</th><th class="num">Messages</th><th class="num">Size</th>
  <th>Retention</th><th>Cleanup</th><th class="num">msg/s</th><th class="num">bytes/s</th></tr></thead><tbody></tbody></table>
  <fieldset><legend>Create topic</legend>
    <div class="toolbar">
      <input id="new-name" placeholder="name"> <input id="new-partitions" type="number" value="1" min="1" style="width:6em" title="partitions">
      <input id="new-configs" placeholder="configs: retention.ms=60000, cleanup.policy=compact" size="48">
      <button id="create">Create</button> <span id="create-result"></span>
    </div>
  </fieldset>`;
  const go = (o: number, f: string) => { location.hash = `#/topics?offset=${o}&filter=${enc(f)}`; };
  const filterInput = main.querySelector("#filter") as HTMLInputElement;
  filterInput.onchange = () => go(0, filterInput.value);
  (main.querySelector("#create") as HTMLButtonElement).onclick = async () => {
    const configs: Record<string, string> = {};
    for (const kv of (main.querySelector("#new-configs") as HTMLInputElement).value.split(",")) {
      const i = kv.indexOf("=");
      if (i > 0) configs[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
    }
    const name = (main.querySelector("#new-name") as HTMLInputElement).value.trim();
    const r = await post("topics", { name, partitions: Number((main.querySelector("#new-partitions") as HTMLInputElement).value), configs });
    main.querySelector("#create-result")!.innerHTML = outcome(r);
    if (r.ok) location.hash = `#/topic/${enc(name)}`;
  };
  const draw = async () => {
    const t = await api(`topics?offset=${offset}&limit=${PAGE}&filter=${enc(filter)}`);
    main.querySelector("#count")!.textContent = `${t.total} topics, ${offset + 1}–${Math.min(offset + PAGE, t.total)}`;
    main.querySelector("#topics tbody")!.innerHTML = t.topics.map((x: Json) => `<tr>
      <td><a href="#/topic/${enc(x.name)}">${esc(x.name)}</a>${x.internal ? ' <span class="tag">internal</span>' : ""}</td>
      <td class="num">${x.partitions}</td><td class="num">${x.messages}</td><td class="num">${bytes(x.sizeBytes)}</td>
      <td>${ms(x.retentionMs)}${x.retentionBytes >= 0 ? ` / ${bytes(x.retentionBytes)}` : ""}</td><td>${esc(x.cleanupPolicy)}</td>
      <td class="num">${rate(x.messagesPerSec)}</td><td class="num">${x.bytesPerSec === null ? "…" : bytes(x.bytesPerSec)}</td></tr>`).join("");
    (main.querySelector("#prev") as HTMLButtonElement).disabled = offset === 0;
    (main.querySelector("#next") as HTMLButtonElement).disabled = offset + PAGE >= t.total;
    (main.querySelector("#prev") as HTMLButtonElement).onclick = () => go(Math.max(0, offset - PAGE), filter);
    (main.querySelector("#next") as HTMLButtonElement).onclick = () => go(offset + PAGE, filter);
    main.querySelector("#topics")!.setAttribute("data-ready", "1");
  };
  await draw();
  live(draw);
}

/** Refreshes the view every 2 s (live throughput, lag) until the route changes. */
function live(draw: () => Promise<void>): void {
  const mine = generation;
  const tick = async () => {
    if (mine !== generation) return;
    try { await draw(); statusLine.textContent = `updated ${new Date().toLocaleTimeString()}`; } catch { statusLine.textContent = "update failed"; }
    if (mine === generation) refreshTimer = setTimeout(tick, 2000);
  };
  refreshTimer = setTimeout(tick, 2000);
}

async function topic(name: string): Promise<void> {
  const t = await api(`topics/${enc(name)}`);
  if (t.error) { main.innerHTML = `<h1>${esc(name)}</h1>${outcome(t)}`; return; }
  main.innerHTML = `<h1>Topic ${esc(name)} <a href="#/messages/${enc(name)}" style="font-size:14px">browse messages</a></h1>
  <p class="muted" id="summary"></p>
  <table id="partitions"><thead><tr><th class="num">Partition</th><th class="num">Leader</th><th class="num">Log start</th><th class="num">High watermark</th>
  <th class="num">Last stable</th><th class="num">Size</th><th class="num">Segments</th></tr></thead><tbody></tbody></table>
  <fieldset><legend>Produce a message</legend>
    <div class="toolbar"><label>partition <input id="p-part" type="number" value="0" min="0" style="width:5em"></label>
      <input id="p-key" placeholder="key"> <select id="p-enc"><option value="text">text</option><option value="hex">hex</option></select>
      <input id="p-hkey" placeholder="header key"> <input id="p-hval" placeholder="header value"></div>
    <textarea id="p-value" rows="3" cols="80" placeholder="value"></textarea><br>
    <button id="produce">Produce</button> <span id="produce-result"></span>
  </fieldset>
  <fieldset><legend>Delete records</legend>
    <div class="toolbar"><label>partition <input id="d-part" type="number" value="0" min="0" style="width:5em"></label>
    <label>before offset <input id="d-offset" type="number" value="0" style="width:8em"></label> (-1: the high watermark)
    <button id="delete">Delete records</button> <span id="delete-result"></span></div>
  </fieldset>
  <fieldset><legend>Configuration</legend>
    <div class="toolbar"><input id="c-key" placeholder="key (retention.ms)"> <input id="c-value" placeholder="value (empty: delete)">
    <button id="alter">Set</button> <span id="alter-result"></span></div>
    <table id="configs"><thead><tr><th>Key</th><th>Value</th><th>Source</th></tr></thead><tbody></tbody></table>
  </fieldset>`;
  const drawPartitions = (x: Json) => {
    main.querySelector("#partitions tbody")!.innerHTML = x.partitionDetails.map((p: Json) => `<tr><td class="num">${p.partition}</td><td class="num">${p.leader}</td>
      <td class="num">${p.logStartOffset}</td><td class="num">${p.highWatermark}</td><td class="num">${p.lastStableOffset}</td>
      <td class="num">${bytes(p.sizeBytes)}</td><td class="num">${p.segments}</td></tr>`).join("");
    main.querySelector("#summary")!.textContent = `id ${x.topicId} · ${x.partitions} partition(s) · ${x.messages} messages · ${bytes(x.sizeBytes)} · ` +
      `retention ${ms(x.retentionMs)} · ${x.cleanupPolicy} · ${rate(x.messagesPerSec)} msg/s, ${x.bytesPerSec === null ? "…" : bytes(x.bytesPerSec)}/s`;
    main.querySelector("#configs tbody")!.innerHTML = (x.config.configs ?? []).map((c: Json) =>
      `<tr><td>${esc(c.name)}</td><td>${esc(c.value)}</td><td class="muted">${esc(c.source)}</td></tr>`).join("");
  };
  drawPartitions(t);
  const val = (id: string) => (main.querySelector(id) as HTMLInputElement).value;
  (main.querySelector("#produce") as HTMLButtonElement).onclick = async () => {
    const headers = val("#p-hkey") ? [{ key: val("#p-hkey"), value: val("#p-hval") }] : [];
    const r = await post(`topics/${enc(name)}/produce`, { partition: Number(val("#p-part")), key: val("#p-key") || null, value: val("#p-value"), encoding: val("#p-enc"), headers });
    main.querySelector("#produce-result")!.innerHTML = r.ok ? `<span class="ok">offset ${r.offset}</span>` : outcome(r);
  };
  (main.querySelector("#delete") as HTMLButtonElement).onclick = async () => {
    const r = await post(`topics/${enc(name)}/delete-records`, { partition: Number(val("#d-part")), offset: Number(val("#d-offset")) });
    main.querySelector("#delete-result")!.innerHTML = r.ok ? `<span class="ok">log now starts at ${r.lowWatermark}</span>` : outcome(r);
  };
  (main.querySelector("#alter") as HTMLButtonElement).onclick = async () => {
    const key = val("#c-key"), value = val("#c-value");
    const r = await post(`topics/${enc(name)}/configs`, value === "" ? { delete: [key] } : { set: { [key]: value } });
    main.querySelector("#alter-result")!.innerHTML = outcome(r);
  };
  live(async () => drawPartitions(await api(`topics/${enc(name)}`)));
}

// ---------------------------------------------------------------- messages

let format: "text" | "json" | "hex" = "text";

function shown(b: Json): string {
  if (b === null) return '<span class="muted">null</span>';
  if (format === "hex" || b.text === null) return `<pre>${esc(b.hex)}${b.truncated ? "…" : ""}</pre>`;
  if (format === "json") {
    try { return `<pre>${esc(JSON.stringify(JSON.parse(b.text), null, 2))}</pre>`; } catch { /* not JSON: as text */ }
  }
  return `<pre>${esc(b.text)}${b.truncated ? "…" : ""}</pre>`;
}

function messageRows(rows: Json[]): string {
  return rows.map((m) => `<tr><td class="num">${m.partition}</td><td class="num">${m.offset}</td>
    <td title="${esc(m.timestampType)}">${new Date(m.timestamp).toISOString()}</td>
    <td>${m.control ? `<span class="tag">${esc(m.control)} marker</span>` : shown(m.key)}</td>
    <td>${m.decoded ? `<pre>${esc(JSON.stringify(m.decoded, null, 2))}</pre>` : m.control ? "" : shown(m.value)}</td>
    <td>${m.headers.map((h: Json) => `<div><b>${esc(h.key)}</b>: ${shown(h.value)}</div>`).join("")}
      ${m.transactional ? '<span class="tag">txn</span>' : ""}</td></tr>`).join("");
}

const MESSAGE_HEAD = `<thead><tr><th class="num">P</th><th class="num">Offset</th><th>Timestamp</th><th>Key</th><th>Value</th><th>Headers</th></tr></thead>`;

async function messages(name: string, params: URLSearchParams): Promise<void> {
  const t = await api(`topics/${enc(name)}`);
  if (t.error) { main.innerHTML = outcome(t); return; }
  const partition = params.get("partition") ?? "0";
  main.innerHTML = `<h1>Messages of <a href="#/topic/${enc(name)}">${esc(name)}</a></h1>
  <div class="toolbar">
    <label>partition <select id="m-part">${t.partitionDetails.map((p: Json) => `<option${String(p.partition) === partition ? " selected" : ""}>${p.partition}</option>`).join("")}</select></label>
    <label>offset <input id="m-offset" type="number" style="width:8em" value="${esc(params.get("offset") ?? "")}"></label>
    <label>or time <input id="m-time" type="datetime-local" step="1"></label>
    <button id="m-seek">Seek</button> <button id="m-latest">Latest</button>
    <label>show as <select id="m-format"><option>text</option><option>json</option><option>hex</option></select></label>
    <span id="m-info" class="muted"></span> <button id="m-more">Next page</button>
  </div>
  <table id="messages">${MESSAGE_HEAD}<tbody></tbody></table>
  <h2>Search the whole topic</h2>
  <div class="toolbar">
    <input id="s-text" placeholder="text in key, value or headers" size="32">
    <label><input type="checkbox" id="s-key" checked> key</label><label><input type="checkbox" id="s-value" checked> value</label>
    <label><input type="checkbox" id="s-headers" checked> headers</label>
    <label>budget <input id="s-budget" type="number" value="1000000" style="width:8em"></label> records
    <button id="s-go">Search</button> <button id="s-stop">Stop</button>
    <span class="bar"><span id="s-bar" style="width:0"></span></span> <span id="s-progress" class="muted"></span>
  </div>
  <table id="results">${MESSAGE_HEAD}<tbody></tbody></table>`;
  const q = (id: string) => main.querySelector(id) as HTMLInputElement;
  q("#m-format").value = format;
  let last: Json = null;
  const load = async (query: string) => {
    last = await api(`topics/${enc(name)}/messages?partition=${enc(q("#m-part").value)}&limit=50&${query}`);
    if (last.error) { main.querySelector("#m-info")!.innerHTML = outcome(last); return; }
    main.querySelector("#m-info")!.textContent = `offsets ${last.logStartOffset}–${last.highWatermark} (LSO ${last.lastStableOffset})` +
      (last.timestamp !== undefined ? `; first at or after the time: ${last.foundOffset < 0 ? "none (log end)" : `offset ${last.foundOffset}`}` : "");
    main.querySelector("#messages tbody")!.innerHTML = messageRows(last.messages);
    main.querySelector("#messages")!.setAttribute("data-ready", String(Date.now()));
  };
  const seek = () => {
    const time = q("#m-time").value;
    if (time !== "") return load(`timestamp=${new Date(time).getTime()}`);
    return load(q("#m-offset").value === "" ? "" : `offset=${enc(q("#m-offset").value)}`);
  };
  q("#m-seek").onclick = seek;
  q("#m-part").onchange = seek;
  q("#m-latest").onclick = () => load("from=latest");
  q("#m-more").onclick = () => last && load(`offset=${last.nextOffset}`);
  q("#m-format").onchange = () => { format = q("#m-format").value as typeof format; if (last?.messages) main.querySelector("#messages tbody")!.innerHTML = messageRows(last.messages); };
  q("#s-stop").onclick = () => searchAbort?.abort();
  q("#s-go").onclick = async () => {
    searchAbort?.abort();
    const abort = (searchAbort = new AbortController());
    const body = main.querySelector("#results tbody")!;
    body.innerHTML = "";
    main.querySelector("#results")!.removeAttribute("data-done");
    const url = `/api/topics/${enc(name)}/search?q=${enc(q("#s-text").value)}&key=${+q("#s-key").checked}&value=${+q("#s-value").checked}` +
      `&headers=${+q("#s-headers").checked}&budget=${enc(q("#s-budget").value)}`;
    const res = await fetch(url, { signal: abort.signal });
    if (!res.ok) { main.querySelector("#s-progress")!.innerHTML = outcome(await res.json()); return; }
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += value;
        let nl;
        while ((nl = buffered.indexOf("\n")) >= 0) {
          const ev = JSON.parse(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
          if (ev.type === "match") body.insertAdjacentHTML("beforeend", messageRows([ev.row]));
          else {
            const pct = ev.total > 0 ? Math.min(100, (100 * ev.scanned) / ev.total) : 100;
            (main.querySelector("#s-bar") as HTMLElement).style.width = `${pct}%`;
            main.querySelector("#s-progress")!.textContent = ev.type === "done"
              ? `done (${ev.reason}): ${ev.matches} match(es) in ${ev.scanned} of ${ev.total} records`
              : `scanned ${ev.scanned} of ${ev.total}`;
            if (ev.type === "done") main.querySelector("#results")!.setAttribute("data-done", String(ev.matches));
          }
        }
      }
    } catch (e) {
      if ((e as Error).name !== "AbortError") throw e;
      main.querySelector("#s-progress")!.textContent += " (stopped)";
    }
  };
  await load(params.get("offset") ? `offset=${enc(params.get("offset")!)}` : "");
}

// ---------------------------------------------------------------- groups

async function groups(): Promise<void> {
  main.innerHTML = `<h1>Consumer groups</h1><table id="groups"><thead><tr><th>Group</th><th>State</th><th>Type</th><th class="num">Members</th>
  <th class="num">Partitions</th><th class="num">Total lag</th></tr></thead><tbody></tbody></table>`;
  const draw = async () => {
    const g = await api("groups");
    main.querySelector("#groups tbody")!.innerHTML = g.groups.map((x: Json) => `<tr><td><a href="#/group/${enc(x.groupId)}">${esc(x.groupId)}</a></td>
      <td>${esc(x.state)}</td><td>${esc(x.protocolType || x.type)}</td><td class="num">${x.members}</td><td class="num">${x.partitions}</td>
      <td class="num">${x.totalLag}</td></tr>`).join("") || '<tr><td colspan="6" class="muted">no groups</td></tr>';
  };
  await draw();
  live(draw);
}

async function group(id: string): Promise<void> {
  main.innerHTML = `<h1>Group ${esc(id)} <span id="g-state" class="tag"></span></h1>
  <h2>Members</h2><table id="members"><thead><tr><th>Member</th><th>Client</th><th>Host</th><th>Assignment</th></tr></thead><tbody></tbody></table>
  <h2>Offsets and lag <span class="muted" style="font-weight:normal">(lag = last stable offset − committed)</span></h2>
  <table id="lag"><thead><tr><th>Topic</th><th class="num">Partition</th><th class="num">Committed</th><th class="num">Log end</th>
  <th class="num">Last stable</th><th class="num">Lag</th></tr></thead><tbody></tbody></table>
  <fieldset><legend>Reset offsets (only while the group has no members)</legend>
    <div class="toolbar"><input id="r-topic" placeholder="topic">
    <select id="r-to"><option>earliest</option><option>latest</option><option>offset</option><option>timestamp</option></select>
    <input id="r-value" placeholder="offset or time (ms / ISO)"> <button id="r-preview">Preview (dry run)</button>
    <button id="r-execute">Execute</button> <span id="r-result"></span></div>
    <table id="plan"><thead><tr><th class="num">Partition</th><th class="num">Current</th><th class="num">New</th><th>Note</th></tr></thead><tbody></tbody></table>
  </fieldset>`;
  const draw = async () => {
    const g = await api(`groups/${enc(id)}`);
    if (g.error) { main.querySelector("#g-state")!.innerHTML = outcome(g); return; }
    main.querySelector("#g-state")!.textContent = g.state;
    main.querySelector("#members tbody")!.innerHTML = g.members.map((m: Json) => `<tr><td>${esc(m.memberId)}</td><td>${esc(m.clientId)}</td>
      <td>${esc(m.clientHost)}</td><td>${(m.assignment ?? []).map((a: Json) => `${esc(a.topic)} [${a.partitions.join(", ")}]`).join("<br>")}</td></tr>`).join("")
      || '<tr><td colspan="4" class="muted">no members</td></tr>';
    main.querySelector("#lag tbody")!.innerHTML = g.offsets.map((o: Json) => `<tr><td>${esc(o.topic)}</td><td class="num">${o.partition}</td>
      <td class="num">${o.committed}</td><td class="num">${o.highWatermark}</td><td class="num">${o.lastStableOffset}</td>
      <td class="num lag">${o.lag ?? "-"}</td></tr>`).join("");
    main.querySelector("#lag")!.setAttribute("data-total", String(g.totalLag));
    const topicInput = main.querySelector("#r-topic") as HTMLInputElement;
    if (topicInput.value === "" && g.offsets[0]) topicInput.value = g.offsets[0].topic;
  };
  const reset = async (dryRun: boolean) => {
    const to = (main.querySelector("#r-to") as HTMLSelectElement).value;
    const raw = (main.querySelector("#r-value") as HTMLInputElement).value.trim();
    const body: Json = { topic: (main.querySelector("#r-topic") as HTMLInputElement).value, to, dryRun };
    if (to === "offset") body.offset = Number(raw);
    if (to === "timestamp") body.timestamp = /^\d+$/.test(raw) ? Number(raw) : new Date(raw).getTime();
    const r = await post(`groups/${enc(id)}/reset-offsets`, body);
    main.querySelector("#plan tbody")!.innerHTML = (r.plan ?? []).map((p: Json) => `<tr><td class="num">${p.partition}</td><td class="num">${p.currentOffset}</td>
      <td class="num">${p.newOffset}</td><td class="muted">${esc(p.note ?? "")}</td></tr>`).join("");
    main.querySelector("#r-result")!.innerHTML = r.ok && r.dryRun
      ? `<span class="muted">dry run: nothing committed${r.canExecute ? "" : `; the group is ${esc(r.state)}, so it cannot be executed now`}</span>`
      : outcome(r);
    await draw();
  };
  (main.querySelector("#r-preview") as HTMLButtonElement).onclick = () => reset(true);
  (main.querySelector("#r-execute") as HTMLButtonElement).onclick = () => reset(false);
  await draw();
  live(draw);
}

// ---------------------------------------------------------------- routing

async function route(): Promise<void> {
  generation++;
  clearTimeout(refreshTimer);
  searchAbort?.abort();
  const hash = location.hash.slice(1) || "/topics";
  const [path, query] = hash.split("?") as [string, string | undefined];
  const params = new URLSearchParams(query ?? "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.getAttribute("data-nav") === (parts[0] === "topic" || parts[0] === "messages" ? "topics" : parts[0] === "group" ? "groups" : parts[0]));
  try {
    if (parts[0] === "brokers") await brokers();
    else if (parts[0] === "topic" && parts[1]) await topic(parts[1]);
    else if (parts[0] === "messages" && parts[1]) await messages(parts[1], params);
    else if (parts[0] === "groups") await groups();
    else if (parts[0] === "group" && parts[1]) await group(parts[1]);
    else await topics(params);
    document.body.setAttribute("data-route", path);
  } catch (e) {
    main.innerHTML = `<p class="error">${esc((e as Error).message)}</p>`;
  }
}

addEventListener("hashchange", route);
route();
