// scratchgan live: draws what the server's LabSession sends and sends the learner's controls.
// Frames arrive as Server-Sent Events (/events); the canvas is redrawn every animation
// frame from the latest one.  window.labStats counts frames for the tests and benchmarks.
"use strict";

const stats = { framesReceived: 0, framesDrawn: 0, fps: 0, errors: 0 };
window.labStats = stats;
window.labFrame = () => state.frame;          // the latest frame, for tests
const state = { frame: null, data: null, dataVersion: -1, history: [], loop: null,
                drawn: [], dragging: false, drawMode: false };
const $ = (id) => document.getElementById(id);
const SETTINGS = ["data", "g_objective", "optimizer", "lr_d", "lr_g", "k", "iters_per_frame",
                  "batch_size", "g_layers", "g_width", "d_layers", "d_width", "noise_dim",
                  "noise", "seed"];

function showError(message) { $("error").textContent = message || ""; }

async function getJSON(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

async function control(body) {
  const r = await fetch("/control", { method: "POST", headers: { "Content-Type": "application/json" },
                                      body: JSON.stringify(body) });
  const reply = await r.json();
  showError(r.ok ? "" : reply.error);
  return reply;
}

// ---------------------------------------------------------------- frames
function onFrame(f) {
  stats.framesReceived += 1;
  const last = state.frame;
  state.frame = f;
  if (f.data_version !== state.dataVersion) {
    state.dataVersion = f.data_version;
    state.history = [];
    getJSON("/data").then((d) => { state.data = d; }).catch((e) => showError(e.message));
  }
  if (last && f.iteration < last.iteration) state.history = [];
  const h = f.history;
  if (h && (!state.history.length || state.history[state.history.length - 1].iter < h.iter)) {
    state.history.push(h);
    if (state.history.length > 600) state.history.shift();
  }
  $("iteration").textContent = f.iteration;
  $("phase").textContent = f.phase ? "— last call: " + f.phase : "";
  $("status").textContent = f.playing ? "training" : "paused";
  for (const name of SETTINGS) {
    const el = $(name);
    if (name === "data" && state.drawMode) continue;       // the learner is drawing
    if (el && document.activeElement !== el && f.settings && name in f.settings) el.value = f.settings[name];
  }
  const list = $("warnings");
  const items = (f.warnings || []).slice(-8).reverse();
  if (list.dataset.text !== items.join("\n")) {
    list.dataset.text = items.join("\n");
    list.replaceChildren(...items.map((w) => { const li = document.createElement("li"); li.textContent = w; return li; }));
  }
  highlightLoop(f.line);
}

// ---------------------------------------------------------------- the canvas
const canvas = $("canvas");
const ctx = canvas.getContext("2d");
const heatCanvas = document.createElement("canvas");

function toPixel(p, ext) {
  const [x0, x1, y0, y1] = ext;
  return [(p[0] - x0) / (x1 - x0) * canvas.width, (1 - (p[1] - y0) / (y1 - y0)) * canvas.height];
}
function fromPixel(px, py, ext) {
  const [x0, x1, y0, y1] = ext;
  return [x0 + px / canvas.width * (x1 - x0), y0 + (1 - py / canvas.height) * (y1 - y0)];
}

function drawHeat(heat) {
  const n = heat.size;
  heatCanvas.width = n; heatCanvas.height = n;
  const hctx = heatCanvas.getContext("2d");
  const img = hctx.createImageData(n, n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = heat.values[r][c] ?? 0.5;                 // D(x) in [0, 1]
      const i = ((n - 1 - r) * n + c) * 4;                // row 0 is the bottom (y0)
      img.data[i] = 123 + (27 - 123) * v;                 // purple (0) ... green (1)
      img.data[i + 1] = 63 + (158 - 63) * v;
      img.data[i + 2] = 181 + (75 - 181) * v;
      img.data[i + 3] = 90;
    }
  }
  hctx.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heatCanvas, 0, 0, canvas.width, canvas.height);
}

function dot(p, color, r) {
  ctx.fillStyle = color;
  ctx.beginPath(); ctx.arc(p[0], p[1], r, 0, 2 * Math.PI); ctx.fill();
}

function draw(now) {
  requestAnimationFrame(draw);
  const f = state.frame;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (f) {
    const ext = f.heat.extent;
    drawHeat(f.heat);
    ctx.strokeStyle = "rgba(60,60,60,0.45)"; ctx.lineWidth = 1;   // G's manifold
    for (const line of f.manifold) {
      ctx.beginPath();
      line.forEach((p, i) => { const q = toPixel(p, ext); if (i) ctx.lineTo(q[0], q[1]); else ctx.moveTo(q[0], q[1]); });
      ctx.stroke();
    }
    if (state.data) for (const p of state.data.points) dot(toPixel(p, ext), "rgba(27,158,75,0.55)", 2);
    for (const p of state.drawn) dot(toPixel(p, ext), "#000", 3);
    const scale = Number($("arrow_scale").value);
    ctx.strokeStyle = "#d9480f"; ctx.lineWidth = 1.2;
    f.fake.forEach((p, i) => {
      const a = toPixel(p, ext);
      const g = f.grad[i];
      if (g && g[0] !== null) {
        let dx = g[0] * scale, dy = -g[1] * scale;
        const len = Math.hypot(dx, dy);
        if (len > 45) { dx *= 45 / len; dy *= 45 / len; }           // long arrows capped at 45 px
        ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(a[0] + dx, a[1] + dy); ctx.stroke();
      }
      dot(a, i === state.selected ? "#000" : "#7b3fb5", i === state.selected ? 4 : 2.5);
    });
  }
  drawCharts();
  stats.framesDrawn += 1;
  countFps(now);
}

let fpsStart = null, fpsCount = 0;
function countFps(now) {
  if (fpsStart === null) fpsStart = now;
  fpsCount += 1;
  if (now - fpsStart >= 1000) {
    stats.fps = fpsCount * 1000 / (now - fpsStart);
    $("fps").textContent = stats.fps.toFixed(0) + " frames/s drawn";
    fpsStart = now; fpsCount = 0;
  }
}

// ---------------------------------------------------------------- charts
function chart(id, series) {
  const c = $(id), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const rows = state.history;
  if (rows.length < 2) return;
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const r of rows) { const v = s.value(r); if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
  if (!Number.isFinite(lo)) return;
  if (hi - lo < 1e-9) { hi += 0.5; lo -= 0.5; }
  const x = (i) => 30 + i / (rows.length - 1) * (c.width - 40);
  const y = (v) => 10 + (1 - (v - lo) / (hi - lo)) * (c.height - 25);
  g.fillStyle = "#666"; g.font = "10px sans-serif";
  g.fillText(hi.toPrecision(3), 0, 12); g.fillText(lo.toPrecision(3), 0, c.height - 14);
  g.fillText("iter " + rows[rows.length - 1].iter, c.width - 70, c.height - 2);
  series.forEach((s, k) => {
    g.strokeStyle = s.color; g.beginPath();
    rows.forEach((r, i) => { const v = s.value(r); if (!Number.isFinite(v)) return; if (i) g.lineTo(x(i), y(v)); else g.moveTo(x(i), y(v)); });
    g.stroke();
    g.fillStyle = s.color; g.fillText(s.label, 35 + k * 80, c.height - 2);
  });
}

function drawCharts() {
  chart("chart_loss", [{ label: "d_loss", color: "#1b9e4b", value: (r) => r.d_loss },
                       { label: "g_loss", color: "#7b3fb5", value: (r) => r.g_loss }]);
  chart("chart_d", [{ label: "D(x)", color: "#1b9e4b", value: (r) => r.D_x },
                    { label: "D(G(z))", color: "#7b3fb5", value: (r) => r.D_G_z },
                    { label: "D's acc", color: "#333", value: (r) => (r.real_acc + r.fake_acc) / 2 }]);
  chart("chart_grad", [{ label: "|grad D|", color: "#1b9e4b", value: (r) => r.d_grad_norm },
                       { label: "|grad G|", color: "#7b3fb5", value: (r) => r.g_grad_norm }]);
}

// ---------------------------------------------------------------- the loop (step mode)
function highlightLoop(line) {
  if (!state.loop) return;
  const { lines, first, spans } = state.loop;
  spans.forEach((s) => s.classList.remove("hit"));
  if (line === null || line === undefined) return;
  let start = line - first;                       // back to just after the previous yield
  while (start > 0 && !/yield|^def |:\s*$/.test(lines[start - 1].trim())) start -= 1;
  for (let i = start; i <= line - first; i++) if (spans[i]) spans[i].classList.add("hit");
  const pre = $("loop"), hit = spans[start];                // keep the line in sight
  if (hit) pre.scrollTop = Math.max(0, hit.offsetTop - pre.offsetTop - pre.clientHeight / 3);
}

async function loadLoop() {
  const { lines, first } = await getJSON("/loop");
  const pre = $("loop");
  const spans = lines.map((text, i) => {
    const s = document.createElement("span");
    s.textContent = String(first + i).padStart(3) + "  " + text + "\n";
    return s;
  });
  pre.replaceChildren(...spans);
  state.loop = { lines, first, spans };
}

// ---------------------------------------------------------------- a point's chain
function fmt(values) { return values.map((v) => (v === null ? "nan" : Number(v).toPrecision(3))).join(", "); }

async function showChain(i) {
  state.selected = i;
  try {
    const c = await getJSON("/chain?point=" + i);
    const rows = c.forward.map((f, j) => {
      const back = c.backward[c.backward.length - 1 - j];
      return `<tr><td>${f.layer}</td><td>${fmt(f.value)}</td><td>${back ? fmt(back.grad_output) : ""}</td></tr>`;
    }).join("");
    $("chain").innerHTML =
      `<p>fake point ${c.point}: l<sub>G</sub> = ${c.loss.toPrecision(4)}; arrow −dl/dx′ = (${fmt(c.arrow)})<br>` +
      `dl/dx′ by D.backward (${fmt(c.dL_dx_backward)}), by finite differences (${fmt(c.dL_dx_numeric)}): ` +
      `relative error ${c.rel_error.toExponential(1)}</p>` +
      `<table><tr><th>layer</th><th>forward value h</th><th>dL/dh (on the way back)</th></tr>${rows}</table>`;
  } catch (e) { showError(e.message); }
}

// ---------------------------------------------------------------- input
function canvasPoint(ev) {
  const r = canvas.getBoundingClientRect();
  return [(ev.clientX - r.left) * canvas.width / r.width, (ev.clientY - r.top) * canvas.height / r.height];
}

canvas.addEventListener("mousedown", (ev) => {
  const f = state.frame; if (!f) return;
  const [px, py] = canvasPoint(ev);
  if (state.drawMode) {
    state.dragging = true;
    state.drawn.push(fromPixel(px, py, f.heat.extent));
    return;
  }
  let best = -1, bestD = 64;                       // nearest fake point within 8 px
  f.fake.forEach((p, i) => { const q = toPixel(p, f.heat.extent); const d = (q[0] - px) ** 2 + (q[1] - py) ** 2; if (d < bestD) { bestD = d; best = i; } });
  if (best >= 0) showChain(best);
});
canvas.addEventListener("mousemove", (ev) => {
  if (!state.dragging || !state.frame || state.drawn.length >= 2000) return;
  const [px, py] = canvasPoint(ev);
  state.drawn.push(fromPixel(px, py, state.frame.heat.extent));
});
window.addEventListener("mouseup", () => { state.dragging = false; });

for (const action of ["play", "pause", "step", "step_d", "step_g", "step_call", "reset"]) {
  $(action).addEventListener("click", () => control({ action }));
}
$("use_drawn").addEventListener("click", () => {
  if (!state.drawn.length) { showError("draw some points on the canvas first (data: drawn)"); return; }
  control({ action: "reset", data: "drawn", points: state.drawn.map((p) => [p[0], p[1]]) });
});
$("clear_drawn").addEventListener("click", () => { state.drawn = []; });
for (const name of SETTINGS) {
  $(name).addEventListener("change", (ev) => {
    if (name === "data") state.drawMode = ev.target.value === "drawn";
    if (state.drawMode && name === "data") {              // draw first, then train on them
      showError("draw points on the canvas (click or drag), then press “train on drawn points”");
      return;
    }
    const value = ev.target.type === "number" ? Number(ev.target.value) : ev.target.value;
    control({ action: "set", [name]: value });
  });
}

// ---------------------------------------------------------------- start
loadLoop().catch((e) => showError(e.message));
getJSON("/history").then((rows) => { if (!state.history.length) state.history = rows; }).catch(() => {});
const events = new EventSource("/events");
events.onmessage = (ev) => onFrame(JSON.parse(ev.data));
events.onerror = () => { $("status").textContent = "disconnected (is the server still running?)"; };
requestAnimationFrame(draw);
