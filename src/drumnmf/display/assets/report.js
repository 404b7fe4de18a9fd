// drumnmf report: a time-synchronized view of one transcription.
// Everything is drawn on canvases, and only the visible time range: curves are reduced to
// one min/max pair per pixel column, so a 10-minute song with thousands of hits stays fast.
// Tests and curious users can drive the page through window.drumnmfReport (see the end).
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("drumnmf-data").textContent);
  const $ = (id) => document.getElementById(id);
  const drums = DATA.drums;
  const nDrums = drums.length;
  const duration = DATA.duration;
  const dt = DATA.frame_seconds;

  // ------------------------------------------------------------------ data
  function decodeBytes(b64) {
    if (!b64) return null;
    const raw = atob(b64);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  const activations = DATA.activations.map(decodeBytes);
  const thresholds = DATA.thresholds ? DATA.thresholds.map(decodeBytes) : null;
  const hits = DATA.hits; // per drum: {t: [...], s: [...]}
  const reference = DATA.reference; // per drum: [...] or null
  const maxStrength = hits.map((h) => h.s.reduce((a, b) => Math.max(a, b), 0) || 1);

  function lowerBound(arr, x) {
    let lo = 0, hi = arr.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (arr[mid] < x) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  function fmtTime(t, digits) {
    const sign = t < 0 ? "-" : "";
    t = Math.abs(t);
    const m = Math.floor(t / 60);
    const s = t - 60 * m;
    const d = digits === undefined ? 3 : digits;
    const ss = s.toFixed(d).padStart(d ? d + 3 : 2, "0");
    return sign + m + ":" + ss;
  }

  // ------------------------------------------------------------------ player
  // The song plays in an <audio> element; without embedded audio a virtual clock runs
  // so that the playhead and the click track still work.
  const audio = $("audio");
  const hasAudio = !!(audio && audio.getAttribute("src"));
  const virtual = { playing: false, origin: 0, offset: 0 };
  const player = {
    time() {
      if (hasAudio) return audio.currentTime;
      if (!virtual.playing) return virtual.offset;
      return Math.min(duration, virtual.offset + (performance.now() - virtual.origin) / 1000);
    },
    paused() { return hasAudio ? audio.paused : !virtual.playing; },
    seek(t) {
      t = Math.max(0, Math.min(duration, t));
      if (hasAudio) audio.currentTime = t;
      else { virtual.offset = t; virtual.origin = performance.now(); }
      clicks.reset();
    },
    play() {
      clicks.resume();
      if (hasAudio) {
        const p = audio.play();
        // AbortError: a pause() came before playback started, which is what was wanted.
        if (p && p.catch) p.catch((e) => { if (e.name !== "AbortError") status("cannot start playback: " + e.message); });
      } else if (!virtual.playing) {
        if (virtual.offset >= duration) virtual.offset = 0;
        virtual.playing = true;
        virtual.origin = performance.now();
        onPlayState();
      }
      clicks.reset();
    },
    pause() {
      if (hasAudio) audio.pause();
      else if (virtual.playing) {
        virtual.offset = player.time();
        virtual.playing = false;
        onPlayState();
      }
      clicks.stopAll();
    },
  };
  if (hasAudio) {
    audio.addEventListener("play", () => { status(""); onPlayState(); });
    audio.addEventListener("pause", onPlayState);
    audio.addEventListener("ended", onPlayState);
    audio.addEventListener("seeking", () => clicks.reset());
    audio.addEventListener("ratechange", () => clicks.reset());
    audio.addEventListener("error", () => status("the embedded audio could not be decoded"));
  }

  function status(text) {
    const el = $("status");
    el.textContent = text;
    el.hidden = !text;
  }

  // ------------------------------------------------------------------ click track
  // Short synthetic sounds per drum family, scheduled with WebAudio a little ahead of the
  // song's clock (re-planned on every seek, pause and rate change).
  const clicks = {
    ctx: null, gain: null, buffers: null, next: null, sources: [], count: 0,
    enabled: () => $("click-track").checked,
    muted: new Set(),
    ensure() {
      if (this.ctx) return true;
      const AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) { status("this browser has no WebAudio: no click track"); return false; }
      this.ctx = new AC();
      this.gain = this.ctx.createGain();
      this.gain.gain.value = Number($("click-volume").value);
      this.gain.connect(this.ctx.destination);
      this.buffers = drums.map((d, i) => synth(this.ctx, d.name, i));
      return true;
    },
    resume() {
      if (this.enabled() && this.ensure() && this.ctx.state === "suspended") this.ctx.resume();
    },
    reset() {
      this.stopAll();
      this.next = null;
    },
    stopAll() {
      for (const s of this.sources) { try { s.stop(); } catch (e) { /* already ended */ } }
      this.sources = [];
    },
    tick() {
      if (player.paused() || !this.enabled() || !this.ensure()) return;
      const now = player.time();
      const rate = hasAudio ? audio.playbackRate || 1 : 1;
      const horizon = now + 0.25 * rate;
      if (!this.next) this.next = hits.map((h) => lowerBound(h.t, now - 0.005));
      const base = this.ctx.currentTime;
      this.sources = this.sources.filter((s) => s.endTime > base);
      for (let d = 0; d < nDrums; d++) {
        const times = hits[d].t;
        let i = this.next[d];
        while (i < times.length && times[i] < horizon) {
          const when = base + (times[i] - now) / rate;
          if (when >= base - 0.005 && !this.muted.has(d)) {
            const src = this.ctx.createBufferSource();
            src.buffer = this.buffers[d];
            const g = this.ctx.createGain();
            g.gain.value = 0.35 + 0.65 * hits[d].s[i] / maxStrength[d];
            src.connect(g).connect(this.gain);
            src.start(Math.max(base, when));
            src.endTime = Math.max(base, when) + src.buffer.duration;
            this.sources.push(src);
            this.count++;
          }
          i++;
        }
        this.next[d] = i;
      }
    },
  };

  function synth(ctx, name, index) {
    const sr = ctx.sampleRate;
    const kind = /kick/.test(name) ? "kick"
      : /snare|clap|rim|stick/.test(name) ? "snare"
      : /hihat|hat/.test(name) ? "hat"
      : /crash|ride|china|splash|bell|tamb|cymbal/.test(name) ? "cymbal"
      : /tom/.test(name) ? "tom" : "blip";
    const seconds = { kick: 0.15, snare: 0.12, hat: 0.05, cymbal: 0.2, tom: 0.15, blip: 0.05 }[kind];
    const buf = ctx.createBuffer(1, Math.ceil(seconds * sr), sr);
    const x = buf.getChannelData(0);
    let phase = 0, prev = 0, seed = 12345 + index;
    const noise = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x3fffffff - 1; };
    for (let n = 0; n < x.length; n++) {
      const t = n / sr;
      let v;
      if (kind === "kick") {
        phase += 2 * Math.PI * (50 + 110 * Math.exp(-t / 0.02)) / sr;
        v = Math.sin(phase) * Math.exp(-t / 0.05);
      } else if (kind === "snare") {
        v = 0.6 * noise() * Math.exp(-t / 0.035) + 0.5 * Math.sin(2 * Math.PI * 190 * t) * Math.exp(-t / 0.03);
      } else if (kind === "hat" || kind === "cymbal") {
        const w = noise();
        v = 0.7 * (w - prev) * Math.exp(-t / (kind === "hat" ? 0.012 : 0.06));
        prev = w;
      } else if (kind === "tom") {
        v = Math.sin(2 * Math.PI * (120 + 30 * (index % 4)) * t) * Math.exp(-t / 0.06);
      } else {
        v = 0.6 * Math.sin(2 * Math.PI * (700 + 110 * index) * t) * Math.exp(-t / 0.012);
      }
      x[n] = v * Math.min(1, n / (0.0005 * sr)); // 0.5 ms fade-in: no pop
    }
    return buf;
  }

  // ------------------------------------------------------------------ layout
  const timeline = $("timeline");
  const overlay = $("timeline-overlay");
  const overview = $("overview");
  const tooltip = $("tooltip");
  const GUTTER = 104;
  const RULER = 24;
  const SPEC = DATA.spectrogram ? 150 : 0;
  const LANE = 54;
  const GRID_ROW = 18;
  const GAP = 10;
  const GRID_HEAD = 20;
  const UNMATCHED = "#d00000";
  const layout = { width: 800, plotW: 700, height: 0, specTop: 0, laneTop: 0, gridTop: 0 };
  const view = { start: 0, end: duration };
  let dpr = window.devicePixelRatio || 1;

  function computeLayout() {
    const w = Math.max(320, Math.floor(timeline.parentElement.clientWidth));
    layout.width = w;
    layout.plotW = w - GUTTER - 8;
    layout.specTop = RULER;
    layout.laneTop = RULER + SPEC + (SPEC ? GAP : 0);
    // Room for the grid's "hits" heading on a line of its own above the first drum row.
    layout.gridTop = layout.laneTop + nDrums * LANE + GAP + GRID_HEAD;
    layout.height = layout.gridTop + nDrums * GRID_ROW + 6;
    dpr = window.devicePixelRatio || 1;
    for (const c of [timeline, overlay]) {
      c.style.width = w + "px";
      c.style.height = layout.height + "px";
      c.width = Math.round(w * dpr);
      c.height = Math.round(layout.height * dpr);
    }
    timeline.parentElement.style.height = layout.height + "px";
    overview.style.width = w + "px";
    overview.width = Math.round(w * dpr);
    overview.height = Math.round(36 * dpr);
    overviewBase = null;
  }

  const xOf = (t) => GUTTER + (t - view.start) / (view.end - view.start) * layout.plotW;
  const tOf = (x) => view.start + (x - GUTTER) / layout.plotW * (view.end - view.start);

  // ------------------------------------------------------------------ drawing
  const specImage = new Image();
  let specReady = false;
  if (DATA.spectrogram) {
    specImage.onload = () => { specReady = true; requestDraw(); };
    specImage.onerror = () => status("the spectrogram image could not be decoded");
    specImage.src = DATA.spectrogram.src;
  }

  let marks = []; // hit marks drawn in the last frame: {d, i, x, y, lane}
  let labels = []; // gutter and heading texts drawn in the last frame: {text, left, top, right, bottom}
  // Draw a text and remember its box (for the layout tests): align "left" or "right",
  // baseline "middle" or "alphabetic".
  function label(ctx, text, x, y) {
    ctx.fillText(text, x, y);
    const m = ctx.measureText(text);
    const w = m.width, asc = m.actualBoundingBoxAscent, desc = m.actualBoundingBoxDescent;
    const left = ctx.textAlign === "right" ? x - w : ctx.textAlign === "center" ? x - w / 2 : x;
    labels.push({ text, left, right: left + w, top: y - asc, bottom: y + desc });
  }
  let lastRenderMs = 0;
  let drawQueued = false;

  function requestDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => { drawQueued = false; draw(); });
  }

  const sprites = [];
  function triangleSprite(d) {
    if (sprites[d] && sprites[d].dpr === dpr) return sprites[d];
    const c = document.createElement("canvas");
    c.width = Math.ceil(10 * dpr);
    c.height = Math.ceil(8 * dpr);
    const g = c.getContext("2d");
    g.scale(c.width / 10, c.height / 8);
    g.beginPath();
    g.moveTo(1, 0.5); g.lineTo(9, 0.5); g.lineTo(5, 7.5); g.closePath();
    g.fillStyle = drums[d].color;
    g.fill();
    g.strokeStyle = "#000";
    g.lineWidth = 0.7;
    g.stroke();
    c.dpr = dpr;
    sprites[d] = c;
    return c;
  }

  function niceStep(span, px) {
    const steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];
    const want = span * 80 / px;
    for (const s of steps) if (s >= want) return s;
    return steps[steps.length - 1];
  }

  function draw() {
    const t0 = performance.now();
    const ctx = timeline.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, layout.width, layout.height);
    ctx.font = "12px system-ui, sans-serif";
    marks = [];
    labels = [];
    drawRuler(ctx);
    if (SPEC) drawSpectrogram(ctx);
    for (let d = 0; d < nDrums; d++) drawLane(ctx, d);
    drawGrid(ctx);
    lastRenderMs = performance.now() - t0;
    drawOverview();
    drawOverlay();
    syncInputs();
  }

  function drawRuler(ctx) {
    const span = view.end - view.start;
    const step = niceStep(span, layout.plotW);
    const digits = (String(step).split(".")[1] || "").length; // 0.25 -> 2, 0.5 -> 1
    ctx.fillStyle = "#555";
    ctx.strokeStyle = "#e3e3e3";
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.beginPath();
    for (let t = Math.ceil(view.start / step) * step; t <= view.end + 1e-9; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.moveTo(x, RULER - 6);
      ctx.lineTo(x, layout.height);
      const label = fmtTime(t, digits);
      const half = ctx.measureText(label).width / 2;
      ctx.fillText(label, Math.min(Math.max(x, GUTTER + half), GUTTER + layout.plotW - half), RULER / 2 - 2);
    }
    ctx.stroke();
  }

  function drawSpectrogram(ctx) {
    const S = DATA.spectrogram;
    const top = layout.specTop;
    ctx.fillStyle = "#000";
    ctx.fillRect(GUTTER, top, layout.plotW, SPEC);
    if (specReady) {
      // Column c covers [(c*step - 0.5)*dt, ((c+1)*step - 0.5)*dt).
      const colSeconds = S.step * dt;
      let c0 = (view.start + dt / 2) / colSeconds;
      let c1 = (view.end + dt / 2) / colSeconds;
      let x0 = GUTTER, x1 = GUTTER + layout.plotW;
      const pxPerCol = layout.plotW / (c1 - c0);
      if (c0 < 0) { x0 += -c0 * pxPerCol; c0 = 0; }
      if (c1 > S.columns) { x1 -= (c1 - S.columns) * pxPerCol; c1 = S.columns; }
      if (c1 > c0 && x1 > x0) {
        ctx.imageSmoothingEnabled = pxPerCol < 1;
        ctx.drawImage(specImage, c0, 0, c1 - c0, S.rows, x0, top, x1 - x0, SPEC);
        ctx.imageSmoothingEnabled = true;
      }
    }
    // Frequency labels (log scale).
    const lf0 = Math.log(S.fmin), lf1 = Math.log(S.fmax);
    ctx.fillStyle = "#555";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.font = "11px system-ui, sans-serif";
    for (const f of [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]) {
      if (f < S.fmin || f > S.fmax) continue;
      const y = top + SPEC * (1 - (Math.log(f) - lf0) / (lf1 - lf0));
      ctx.fillText(f >= 1000 ? f / 1000 + "k" : String(f), GUTTER - 6, y);
      ctx.fillRect(GUTTER - 4, Math.round(y), 4, 1);
    }
    ctx.save();
    ctx.translate(14, top + SPEC / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.fillText("frequency (Hz)", 0, 0);
    ctx.restore();
    ctx.font = "12px system-ui, sans-serif";
  }

  // One activation lane: curve (min/max per pixel when zoomed out), threshold,
  // detected onsets (triangles) and reference onsets (black ticks at the bottom).
  function drawLane(ctx, d) {
    const top = layout.laneTop + d * LANE;
    const h = LANE - 6;
    const base = top + h;
    const color = drums[d].color;
    ctx.fillStyle = d % 2 ? "#fafafa" : "#f3f3f3";
    ctx.fillRect(GUTTER, top, layout.plotW, h);
    ctx.fillStyle = color;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.font = "bold 12px system-ui, sans-serif";
    label(ctx, drums[d].name, GUTTER - 8, top + h / 2);
    ctx.font = "12px system-ui, sans-serif";
    const yOf = (v) => base - (v / 255) * (h - 4);
    const f0 = Math.max(0, Math.floor(view.start / dt) - 1);
    const f1 = Math.min(activations[d].length - 1, Math.ceil(view.end / dt) + 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, top, layout.plotW, h);
    ctx.clip();
    curve(ctx, activations[d], f0, f1, yOf, color, true);
    if (thresholds) curve(ctx, thresholds[d], f0, f1, yOf, "#444", false);
    ctx.restore();
    // Detected onsets: a triangle sprite per hit (thousands of path triangles are slow).
    const times = hits[d].t, strengths = hits[d].s, scale = drums[d].scale;
    const i0 = lowerBound(times, view.start), i1 = lowerBound(times, view.end + 1e-9);
    // Crowded (zoomed far out), triangles would overlap anyway: draw plain ticks.
    const crowded = i1 - i0 > layout.plotW / 6;
    const sprite = triangleSprite(d);
    const sw = sprite.width, sh = sprite.height;
    ctx.fillStyle = color;
    if (!crowded) ctx.setTransform(1, 0, 0, 1, 0, 0); // unscaled, pixel-aligned sprites
    for (let i = i0; i < i1; i++) {
      const x = xOf(times[i]);
      const y = Math.max(top + 7, yOf(255 * strengths[i] / scale) - 1);
      if (crowded) ctx.fillRect(x - 1, y - 6, 2, 6);
      else ctx.drawImage(sprite, Math.round(x * dpr - sw / 2), Math.round(y * dpr - sh));
      marks.push({ d, i, x, y: y - 4, lane: "activation" });
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (reference && reference[d]) {
      const r = reference[d];
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      for (let i = lowerBound(r, view.start), n = lowerBound(r, view.end + 1e-9); i < n; i++) {
        const x = Math.round(xOf(r[i])) + 0.5;
        ctx.moveTo(x, base); ctx.lineTo(x, base - 9);
      }
      ctx.stroke();
    }
  }

  // A curve over frames f0..f1. Zoomed in it is a path; zoomed out (more than two frames
  // per pixel) it is drawn as one rectangle per pixel column spanning the min..max of the
  // frames under it, which is exact at screen resolution and fast for any song length.
  function curve(ctx, values, f0, f1, yOf, color, fill) {
    if (f1 <= f0) return;
    const base = yOf(0);
    if ((f1 - f0) / layout.plotW <= 2) {
      ctx.beginPath();
      ctx.moveTo(xOf(f0 * dt), yOf(values[f0]));
      for (let f = f0 + 1; f <= f1; f++) ctx.lineTo(xOf(f * dt), yOf(values[f]));
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.2;
      if (!fill) ctx.setLineDash([4, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
      if (fill) {
        ctx.lineTo(xOf(f1 * dt), base);
        ctx.lineTo(xOf(f0 * dt), base);
        ctx.closePath();
        ctx.globalAlpha = 0.3;
        ctx.fillStyle = color;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
      return;
    }
    const x0 = Math.max(GUTTER, Math.floor(xOf(f0 * dt)));
    const x1 = Math.min(GUTTER + layout.plotW, Math.ceil(xOf(f1 * dt)));
    const cols = [];
    for (let x = x0; x < x1; x++) {
      const a = Math.max(f0, Math.floor(tOf(x) / dt));
      const b = Math.min(f1, Math.floor(tOf(x + 1) / dt));
      let lo = 255, hi = 0;
      for (let f = a; f <= b; f++) { const v = values[f]; if (v < lo) lo = v; if (v > hi) hi = v; }
      if (hi >= lo) cols.push(x, yOf(hi), yOf(lo));
    }
    ctx.fillStyle = color;
    if (fill) {
      ctx.globalAlpha = 0.3;
      for (let k = 0; k < cols.length; k += 3) ctx.fillRect(cols[k], cols[k + 1], 1, base - cols[k + 1]);
      ctx.globalAlpha = 1;
      for (let k = 0; k < cols.length; k += 3) ctx.fillRect(cols[k], cols[k + 1] - 0.6, 1, Math.max(1.2, cols[k + 2] - cols[k + 1] + 0.6));
    } else {
      // Dashed: 4 pixels on, 3 off.
      for (let k = 0; k < cols.length; k += 3) {
        if ((cols[k] - x0) % 7 < 4) ctx.fillRect(cols[k], cols[k + 1] - 0.6, 1, Math.max(1.2, cols[k + 2] - cols[k + 1] + 0.6));
      }
    }
  }

  // Drum grid (piano roll): filled marks are detected hits (opacity by strength), hollow
  // black outlines are reference hits, so a matched hit is a filled mark with an outline.
  // With a reference, a hit matched to none (a false positive, including every hit of a
  // drum the reference lacks) is underlined in red.
  function drawGrid(ctx) {
    const top = layout.gridTop;
    // The heading sits in the gutter, right-aligned like the drum names, a line above them.
    ctx.fillStyle = "#333";
    ctx.textAlign = "right";
    ctx.textBaseline = "alphabetic";
    ctx.font = "bold 12px system-ui, sans-serif";
    label(ctx, "hits", GUTTER - 8, top - 6);
    ctx.font = "12px system-ui, sans-serif";
    const pxPerSecond = layout.plotW / (view.end - view.start);
    const w = Math.max(2, Math.min(10, 0.04 * pxPerSecond));
    for (let d = 0; d < nDrums; d++) {
      const y = top + d * GRID_ROW;
      ctx.fillStyle = d % 2 ? "#fafafa" : "#f0f0f0";
      ctx.fillRect(GUTTER, y, layout.plotW, GRID_ROW);
      ctx.fillStyle = drums[d].color;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      label(ctx, drums[d].name, GUTTER - 8, y + GRID_ROW / 2);
      const times = hits[d].t, s = hits[d].s, m = hits[d].m;
      const i0 = lowerBound(times, view.start), i1 = lowerBound(times, view.end + 1e-9);
      for (let i = i0; i < i1; i++) {
        const x = xOf(times[i]);
        ctx.globalAlpha = 0.35 + 0.65 * s[i] / maxStrength[d];
        ctx.fillStyle = drums[d].color;
        ctx.fillRect(x - w / 2, y + 3, w, GRID_ROW - 6);
        if (m && !m[i]) {
          ctx.globalAlpha = 1;
          ctx.fillStyle = UNMATCHED;
          ctx.fillRect(x - w / 2 - 1, y + GRID_ROW - 3, w + 2, 2);
        }
        marks.push({ d, i, x, y: y + GRID_ROW / 2, lane: "grid" });
      }
      ctx.globalAlpha = 1;
      if (reference && reference[d]) {
        const r = reference[d];
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (let i = lowerBound(r, view.start), n = lowerBound(r, view.end + 1e-9); i < n; i++) {
          ctx.rect(Math.round(xOf(r[i]) - w / 2 - 1) + 0.5, y + 1.5, Math.round(w + 2), GRID_ROW - 3);
        }
        ctx.stroke();
      }
    }
  }

  let overviewBase = null;
  function drawOverview() {
    const W = layout.width, H = 36;
    if (!overviewBase) {
      overviewBase = document.createElement("canvas");
      overviewBase.width = overview.width;
      overviewBase.height = overview.height;
      const c = overviewBase.getContext("2d");
      c.setTransform(dpr, 0, 0, dpr, 0, 0);
      c.fillStyle = "#f4f4f4";
      c.fillRect(GUTTER, 0, layout.plotW, H);
      c.fillStyle = "#555";
      c.font = "11px system-ui, sans-serif";
      c.textAlign = "right";
      c.textBaseline = "middle";
      c.fillText("whole song", GUTTER - 8, H / 2);
      const rowH = (H - 4) / Math.max(1, nDrums);
      for (let d = 0; d < nDrums; d++) {
        c.fillStyle = drums[d].color;
        for (const t of hits[d].t) {
          c.fillRect(GUTTER + t / duration * layout.plotW, 2 + d * rowH, 1, Math.max(1, rowH - 1));
        }
      }
    }
    const c = overview.getContext("2d");
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, overview.width, overview.height);
    c.drawImage(overviewBase, 0, 0);
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    const ox = (t) => GUTTER + t / duration * layout.plotW;
    c.fillStyle = "rgba(30, 100, 220, 0.15)";
    c.strokeStyle = "rgba(30, 100, 220, 0.9)";
    c.lineWidth = 1.5;
    const a = ox(view.start), b = Math.max(ox(view.end), a + 2);
    c.fillRect(a, 0, b - a, H);
    c.strokeRect(a + 0.5, 0.5, b - a - 1, H - 1);
    if (overviewDrag) {
      const l = Math.min(overviewDrag.x0, overviewDrag.x1), r = Math.max(overviewDrag.x0, overviewDrag.x1);
      c.fillStyle = "rgba(0, 0, 0, 0.15)";
      c.fillRect(l, 0, r - l, H);
    }
    c.fillStyle = "#e0301e";
    c.fillRect(ox(player.time()) - 1, 0, 2, H);
    void W;
  }

  function drawOverlay() {
    const ctx = overlay.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, layout.width, layout.height);
    if (selection) {
      const l = Math.min(selection.x0, selection.x1), r = Math.max(selection.x0, selection.x1);
      ctx.fillStyle = "rgba(30, 100, 220, 0.15)";
      ctx.fillRect(l, RULER, r - l, layout.height - RULER);
    }
    if (hoverX !== null && hoverX >= GUTTER) {
      ctx.fillStyle = "rgba(0,0,0,0.25)";
      ctx.fillRect(Math.round(hoverX), RULER, 1, layout.height - RULER);
    }
    if (selected) {
      const t = hits[selected.d].t[selected.i];
      if (t >= view.start && t <= view.end) {
        const x = xOf(t);
        ctx.strokeStyle = "#000";
        ctx.lineWidth = 2;
        const y = layout.gridTop + selected.d * GRID_ROW + GRID_ROW / 2;
        ctx.beginPath();
        ctx.arc(x, y, 8, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
    const t = player.time();
    if (t >= view.start && t <= view.end) {
      const x = xOf(t);
      ctx.fillStyle = "#e0301e";
      ctx.fillRect(x - 1, RULER - 6, 2, layout.height - RULER + 6);
    }
    $("clock").textContent = fmtTime(t) + " / " + fmtTime(duration);
  }

  // ------------------------------------------------------------------ view
  const MIN_SPAN = 0.1;
  function setView(start, end) {
    let span = Math.max(MIN_SPAN, Math.min(duration, end - start));
    if (!(span > 0)) span = duration;
    let s = Math.max(0, Math.min(start, duration - span));
    view.start = s;
    view.end = s + span;
    requestDraw();
  }
  function zoom(factor, atTime) {
    const c = atTime === undefined ? (view.start + view.end) / 2 : atTime;
    const span = Math.max(MIN_SPAN, Math.min(duration, (view.end - view.start) * factor));
    const frac = (c - view.start) / (view.end - view.start);
    setView(c - frac * span, c - frac * span + span);
  }
  function pan(seconds) { setView(view.start + seconds, view.end + seconds); }

  function syncInputs() {
    const a = $("view-start"), b = $("view-end");
    if (document.activeElement !== a) a.value = view.start.toFixed(2);
    if (document.activeElement !== b) b.value = view.end.toFixed(2);
  }

  // ------------------------------------------------------------------ interaction
  let drag = null; // {x, y, start, end, moved, select}
  let selection = null;
  let hoverX = null;
  let selected = null;
  let overviewDrag = null;

  function localXY(ev, el) {
    const r = el.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  }

  function nearestMark(x, y, radius) {
    let best = null, bestD = radius * radius;
    for (const m of marks) {
      const dd = (m.x - x) ** 2 + (m.y - y) ** 2;
      if (dd <= bestD) { best = m; bestD = dd; }
    }
    return best;
  }

  overlay.addEventListener("mousedown", (ev) => {
    if (ev.button !== 0) return;
    const [x, y] = localXY(ev, overlay);
    drag = { x, y, start: view.start, end: view.end, moved: false, select: ev.shiftKey };
    ev.preventDefault();
  });
  window.addEventListener("mousemove", (ev) => {
    const [x, y] = localXY(ev, overlay);
    if (drag) {
      if (Math.abs(x - drag.x) > 3) drag.moved = true;
      if (drag.moved) {
        if (drag.select) {
          selection = { x0: Math.max(GUTTER, drag.x), x1: Math.max(GUTTER, Math.min(x, GUTTER + layout.plotW)) };
          drawOverlay();
        } else {
          const dtSec = (x - drag.x) / layout.plotW * (drag.end - drag.start);
          setView(drag.start - dtSec, drag.end - dtSec);
        }
      }
      return;
    }
    if (ev.target !== overlay) { hideTooltip(); if (hoverX !== null) { hoverX = null; drawOverlay(); } return; }
    hoverX = x;
    const m = nearestMark(x, y, 7);
    overlay.style.cursor = m ? "pointer" : x >= GUTTER ? "crosshair" : "default";
    if (m) showTooltip(m, x, y); else hideTooltip();
    drawOverlay();
  });
  window.addEventListener("mouseup", (ev) => {
    if (!drag) return;
    const [x, y] = localXY(ev, overlay);
    const d = drag;
    drag = null;
    if (d.select && selection) {
      const a = tOf(Math.min(selection.x0, selection.x1)), b = tOf(Math.max(selection.x0, selection.x1));
      selection = null;
      if (b - a > 0.01) setView(a, b); else drawOverlay();
      return;
    }
    if (d.moved) return;
    const m = nearestMark(x, y, 7);
    if (editHook && x >= GUTTER && editHook({ x, y, t: tOf(x), mark: m, row: rowAt(y) })) return;
    if (m) { selectHit(m.d, m.i); playFrom(hits[m.d].t[m.i]); }
    else if (x >= GUTTER && x <= GUTTER + layout.plotW) playFrom(tOf(x));
  });
  overlay.addEventListener("mouseleave", () => { hoverX = null; hideTooltip(); drawOverlay(); });
  overlay.addEventListener("wheel", (ev) => {
    const [x] = localXY(ev, overlay);
    if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY) || ev.shiftKey) {
      const delta = Math.abs(ev.deltaX) > Math.abs(ev.deltaY) ? ev.deltaX : ev.deltaY;
      pan(delta / layout.plotW * (view.end - view.start));
    } else {
      zoom(Math.exp(ev.deltaY * 0.0015), x >= GUTTER ? tOf(x) : undefined);
    }
    ev.preventDefault();
  }, { passive: false });

  overview.addEventListener("mousedown", (ev) => {
    const [x] = localXY(ev, overview);
    overviewDrag = { x0: x, x1: x };
    const up = (e) => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
      const [x1] = localXY(e, overview);
      const ot = (px) => Math.max(0, Math.min(duration, (px - GUTTER) / layout.plotW * duration));
      const a = ot(Math.min(overviewDrag.x0, x1)), b = ot(Math.max(overviewDrag.x0, x1));
      overviewDrag = null;
      if (b - a > duration / layout.plotW * 3) setView(a, b);
      else { const span = view.end - view.start; setView(a - span / 2, a + span / 2); }
    };
    const move = (e) => { overviewDrag.x1 = localXY(e, overview)[0]; drawOverview(); };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
    ev.preventDefault();
  });

  // A hit's confidence (0..1) and articulation ("" when it is the drum itself).
  const confOf = (d, i) => (hits[d].c && hits[d].c[i] !== undefined ? hits[d].c[i] : 1);
  const artOf = (d, i) => (hits[d].a && hits[d].a[i]) || "";

  function showTooltip(m, x, y) {
    const t = hits[m.d].t[m.i], s = hits[m.d].s[m.i];
    const art = artOf(m.d, m.i);
    tooltip.innerHTML = "";
    const b = document.createElement("b");
    b.textContent = drums[m.d].name + (art ? " (" + art.replace(/_/g, " ") + ")" : "");
    b.style.color = drums[m.d].color;
    tooltip.append(b, " at " + fmtTime(t) + " (" + t.toFixed(3) + " s)", document.createElement("br"),
      "strength " + s.toPrecision(3) + " (" + Math.round(100 * s / maxStrength[m.d]) + "% of its loudest)",
      document.createElement("br"), "confidence " + confOf(m.d, m.i).toFixed(2));
    tooltip.hidden = false;
    const left = Math.min(x + 14, layout.width - tooltip.offsetWidth - 4);
    const below = y + 14 + tooltip.offsetHeight <= layout.height;
    tooltip.style.left = left + "px";
    tooltip.style.top = (below ? y + 14 : y - 10 - tooltip.offsetHeight) + "px";
  }
  function hideTooltip() { tooltip.hidden = true; }

  function selectHit(d, i) {
    selected = { d, i };
    const t = hits[d].t[i], s = hits[d].s[i];
    const order = hits[d].s.filter((v) => v > s).length + 1;
    const parts = [
      ["drum", drums[d].name],
      ["time", fmtTime(t) + " (" + t.toFixed(3) + " s)"],
      ["strength", s.toPrecision(4) + " (" + Math.round(100 * s / maxStrength[d]) + "% of its loudest; #" + order + " of " + hits[d].t.length + ")"],
      ["confidence", confOf(d, i).toFixed(2)],
      ...(artOf(d, i) ? [["articulation", artOf(d, i).replace(/_/g, " ")]] : []),
    ];
    if (thresholds) {
      const f = Math.min(thresholds[d].length - 1, Math.round(t / dt));
      parts.push(["threshold there", (thresholds[d][f] / 255 * drums[d].scale).toPrecision(3)]);
    }
    if (hits[d].m) {
      const ms = Math.round(1000 * DATA.match_window) + " ms";
      parts.push(["reference", hits[d].m[i] ? "matched (within " + ms + ")" : "unmatched: no reference hit within " + ms]);
    }
    if (reference && reference[d] && reference[d].length) {
      const r = reference[d], k = lowerBound(r, t);
      let best = Infinity;
      for (const j of [k - 1, k]) if (j >= 0 && j < r.length && Math.abs(r[j] - t) < Math.abs(best)) best = r[j] - t;
      parts.push(["nearest reference", (best >= 0 ? "+" : "") + Math.round(best * 1000) + " ms"]);
    }
    const panel = $("hit-panel");
    panel.innerHTML = "";
    panel.dataset.drum = drums[d].name;
    panel.dataset.time = t.toFixed(4);
    for (const [k, v] of parts) {
      const dtEl = document.createElement("dt"), ddEl = document.createElement("dd");
      dtEl.textContent = k;
      ddEl.textContent = v;
      panel.append(dtEl, ddEl);
    }
    drawOverlay();
  }

  function playFrom(t) {
    player.seek(t);
    player.play();
    if (t < view.start || t > view.end) {
      const span = view.end - view.start;
      setView(t - 0.1 * span, t + 0.9 * span);
    }
    drawOverlay();
  }

  function onPlayState() {
    $("play").textContent = player.paused() ? "▶ play" : "❚❚ pause";
    $("play").setAttribute("aria-pressed", String(!player.paused()));
    if (!player.paused()) animate();
    else clicks.stopAll();
  }

  let animating = false;
  function animate() {
    if (animating) return;
    animating = true;
    const step = () => {
      if (player.paused()) { animating = false; drawOverlay(); drawOverview(); return; }
      if (!hasAudio && player.time() >= duration) { player.pause(); }
      const t = player.time();
      if ($("follow").checked && (t > view.end || t < view.start)) {
        const span = view.end - view.start;
        setView(t - 0.05 * span, t + 0.95 * span);
      } else {
        drawOverlay();
        drawOverview();
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  }

  $("play").addEventListener("click", () => {
    if (player.paused()) player.play(); else player.pause();
  });
  $("zoom-in").addEventListener("click", () => zoom(0.5));
  $("zoom-out").addEventListener("click", () => zoom(2));
  $("zoom-fit").addEventListener("click", () => setView(0, duration));
  $("view-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const a = Number($("view-start").value), b = Number($("view-end").value);
    if (Number.isFinite(a) && Number.isFinite(b) && b > a) setView(a, b);
    else status("give a start time before the end time, in seconds");
  });
  $("click-track").addEventListener("change", () => {
    if ($("click-track").checked) clicks.resume();
    clicks.reset();
  });
  $("click-volume").addEventListener("input", () => {
    if (clicks.gain) clicks.gain.gain.value = Number($("click-volume").value);
  });
  const songVolume = $("song-volume");
  if (songVolume && hasAudio) {
    songVolume.addEventListener("input", () => { audio.volume = Number(songVolume.value); });
    $("speed").addEventListener("change", () => { audio.playbackRate = Number($("speed").value); });
  }
  for (const el of document.querySelectorAll("[data-mute-drum]")) {
    el.addEventListener("change", () => {
      const d = drums.findIndex((x) => x.name === el.dataset.muteDrum);
      if (el.checked) clicks.muted.delete(d); else clicks.muted.add(d);
      clicks.reset();
    });
  }
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "BUTTON" || tag === "SELECT" || tag === "TEXTAREA") return;
    const span = view.end - view.start;
    if (ev.key === " ") { if (player.paused()) player.play(); else player.pause(); }
    else if (ev.key === "+" || ev.key === "=") zoom(0.5);
    else if (ev.key === "-") zoom(2);
    else if (ev.key === "ArrowRight") pan(0.25 * span);
    else if (ev.key === "ArrowLeft") pan(-0.25 * span);
    else if (ev.key === "Home") setView(0, duration);
    else return;
    ev.preventDefault();
  });

  // The hit list is built when first opened: thousands of rows are cheap, but not free.
  const hitList = $("hit-list");
  function buildHitList() {
    const body = $("hit-rows");
    if (body.childElementCount) return;
    const rows = [];
    for (let d = 0; d < nDrums; d++) for (let i = 0; i < hits[d].t.length; i++) rows.push([hits[d].t[i], d, i]);
    rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const frag = document.createDocumentFragment();
    for (const [t, d, i] of rows) {
      const tr = document.createElement("tr");
      tr.dataset.drum = drums[d].name;
      tr.dataset.time = t.toFixed(4);
      tr.dataset.index = String(i);
      tr.tabIndex = 0;
      const c1 = document.createElement("td"), c2 = document.createElement("td"), c3 = document.createElement("td");
      c1.textContent = t.toFixed(3);
      c2.textContent = drums[d].name;
      c2.style.color = drums[d].color;
      c3.textContent = hits[d].s[i].toPrecision(3);
      const c4 = document.createElement("td");
      c4.textContent = confOf(d, i).toFixed(2);
      if (artOf(d, i)) c2.textContent += " (" + artOf(d, i).replace(/_/g, " ") + ")";
      tr.append(c1, c2, c3, c4);
      frag.append(tr);
    }
    body.append(frag);
  }
  hitList.addEventListener("toggle", () => { if (hitList.open) buildHitList(); });
  $("hit-rows").addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr");
    if (!tr) return;
    const d = drums.findIndex((x) => x.name === tr.dataset.drum);
    const i = Number(tr.dataset.index);
    selectHit(d, i);
    playFrom(hits[d].t[i]);
    timeline.scrollIntoView({ block: "nearest" });
  });
  $("hit-rows").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") ev.target.click();
  });

  // ------------------------------------------------------------------ editor hooks
  // The editor (editor.js) replaces a drum's hits and threshold curve and takes timeline
  // clicks while editing is on.
  let editHook = null;
  function rowAt(y) {
    for (let d = 0; d < nDrums; d++) {
      const lane = layout.laneTop + d * LANE, grid = layout.gridTop + d * GRID_ROW;
      if ((y >= lane && y < lane + LANE - 6) || (y >= grid && y < grid + GRID_ROW)) return d;
    }
    return -1;
  }
  function setHits(d, times, strengths, confidences, articulations) {
    hits[d].t = times;
    hits[d].s = strengths;
    hits[d].c = confidences;
    hits[d].a = articulations ? articulations.map((a) => (a === drums[d].name ? "" : a)) : undefined;
    delete hits[d].m; // matches against the reference are not recomputed after an edit
    maxStrength[d] = strengths.reduce((a, b) => Math.max(a, b), 0) || 1;
    if (selected && selected.d === d) { selected = null; $("hit-panel").innerHTML = ""; }
    $("hit-rows").innerHTML = "";
    if (hitList.open) buildHitList();
    overviewBase = null;
    clicks.reset();
    requestDraw();
  }
  function setThreshold(d, bytes) {
    if (thresholds) { thresholds[d] = bytes; requestDraw(); }
  }

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { computeLayout(); draw(); }, 100);
  });
  setInterval(() => clicks.tick(), 30);

  computeLayout();
  draw();

  // ------------------------------------------------------------------ test & scripting hooks
  window.drumnmfReport = {
    ready: true,
    drums: () => drums.map((d) => d.name),
    hitCount: (name) => { const d = drums.findIndex((x) => x.name === name); return d < 0 ? 0 : hits[d].t.length; },
    // Hit marks drawn in the drum grid for the current view, in page (client) coordinates.
    marks: (name, lane) => {
      const r = overlay.getBoundingClientRect();
      return marks
        .filter((m) => drums[m.d].name === name && m.lane === (lane || "grid"))
        .map((m) => ({
          time: hits[m.d].t[m.i],
          strength: hits[m.d].s[m.i],
          // true / false against the reference; null without one
          matched: hits[m.d].m ? !!hits[m.d].m[m.i] : null,
          x: r.left + m.x,
          y: r.top + m.y,
        }));
    },
    // Boxes of the texts drawn on the timeline (drum names, headings), in canvas pixels.
    labels: () => labels.map((l) => ({ ...l })),
    gutter: GUTTER,
    markCount: (name, lane) => window.drumnmfReport.marks(name, lane).length,
    playFrom,
    pause: () => player.pause(),
    currentTime: () => player.time(),
    paused: () => player.paused(),
    view: () => ({ start: view.start, end: view.end }),
    setView: (a, b) => { setView(a, b); draw(); },
    zoom: (factor, at) => { zoom(factor, at); draw(); },
    renderMs: () => lastRenderMs,
    redraw: () => { draw(); return lastRenderMs; },
    selected: () => (selected ? { drum: drums[selected.d].name, time: hits[selected.d].t[selected.i] } : null),
    clicksScheduled: () => clicks.count,
    clickTrack: (on) => { $("click-track").checked = !!on; $("click-track").dispatchEvent(new Event("change")); },
    hasAudio,
    // For the editor: internal state and redraw hooks.
    _internals: {
      hits, drums, dt, duration,
      setHits, setThreshold, selectHit, playFrom,
      setEditHook: (f) => { editHook = f; },
      selectedHit: () => selected,
      clickTrackOn: () => { if (!$("click-track").checked) { $("click-track").checked = true; $("click-track").dispatchEvent(new Event("change")); } },
    },
  };
})();
