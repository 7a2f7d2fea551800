#!/usr/bin/python3
"""Merges the JSON files of one side-by-side run (MelGenre.SideBySide and reference.py, benchmarks/run.sh) into one
table: printed, and written as markdown (--md) and merged JSON (--json). Standard library only.

Ratio column: MelGenre's cost / the reference's cost, measured in the same run (below 1 = MelGenre is faster or
smaller; for clips/s the inverse of the rates). librosa figures come from the project notes unless librosa was
importable in this run.
"""
import argparse
import glob
import json
import os
import platform
import statistics
import sys

# librosa 0.11 on this machine type (project notes, /work/shared/notes/reference.md): not measured here.
LIBROSA_NOTES_MS = {"mel_db_hop512": 86.0, "mel_db_hop1024": 44.0}


def load(folder):
    """Results by side and id. An id measured in several processes (rounds) pools its samples: the value is the
    median of all of them. Epoch estimates are recomputed from the pooled train-step median."""
    sides = {"melgenre": {}, "reference": {}}
    meta = {"melgenre": {}, "reference": {}}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        with open(path) as f:
            doc = json.load(f)
        side = doc["side"]
        meta[side].update(doc.get("meta", {}))
        for r in doc["results"]:
            old = sides[side].get(r["id"])
            if old is not None and old.get("samples") and r.get("samples"):
                old["samples"] = old["samples"] + r["samples"]
                old["value"] = statistics.median(old["samples"])
                old["processes"] = old.get("processes", 1) + 1
            elif old is None:
                sides[side][r["id"]] = dict(r)
    for results in sides.values():
        for id, r in results.items():
            if id.startswith("epoch_estimate_crnn_t"):
                step = results.get("train_crnn_t" + id.rsplit("_t", 1)[1])
                if step:
                    r["value"] = step["value"] * 200 / 1000.0
    return sides, meta


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "parameters":
        return f"{int(round(v)):,}"
    if unit == "clips/s":
        return f"{v:.1f} clips/s"
    if unit == "MiB":
        return f"{v:,.0f} MiB"
    if unit == "s":
        return f"{v:.1f} s"
    if v >= 100:
        return f"{v:,.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


class Table:
    def __init__(self, sides):
        self.m, self.r = sides["melgenre"], sides["reference"]
        self.rows = []  # (section heading) or (label, melgenre, reference, ratio, goal, status)
        self.goals = []

    def heading(self, text):
        self.rows.append((text,))

    def value(self, side, id):
        r = side.get(id)
        return None if r is None else r["value"]

    def row(self, label, id, ref_label="", goal=None, inverse=False, ref_value=None, ref_text=None, unit=None):
        """goal: ("ratio", x) -> ratio <= x; ("max", x) -> MelGenre <= x; ("min", x) -> MelGenre >= x; ("equal",)."""
        m = self.value(self.m, id)
        r = ref_value if ref_value is not None else self.value(self.r, id)
        unit = unit or (self.m.get(id) or self.r.get(id) or {"unit": "ms"})["unit"]
        ratio = None
        if m is not None and r:
            ratio = (r / m) if inverse else (m / r)
        ratio_text = "–" if ratio is None else (f"{ratio:.3f}x" if ratio < 0.1 else f"{ratio:.2f}x")
        goal_text, status = "", ""
        if goal is not None:
            kind = goal[0]
            if kind == "ratio":
                goal_text = f"<= {goal[1]}x"
                ok = ratio is not None and ratio <= goal[1]
            elif kind == "max":
                goal_text = f"<= {fmt(goal[1], unit)}"
                ok = m is not None and m <= goal[1]
            elif kind == "min":
                goal_text = f">= {fmt(goal[1], unit)}"
                ok = m is not None and m >= goal[1]
            else:
                goal_text = "equal"
                ok = m is not None and r is not None and int(m) == int(r)
            status = "met" if ok else "MISSED"
            self.goals.append((label, ok))
        ref_cell = ref_text if ref_text is not None else fmt(r, unit)
        if ref_label and r is not None:
            ref_cell = f"{ref_cell} ({ref_label})"
        self.rows.append((label, fmt(m, unit), ref_cell, ratio_text, goal_text, status))

    def markdown(self):
        out = ["| measurement | MelGenre | reference | ratio | goal | |", "|---|---:|---:|---:|---|---|"]
        for row in self.rows:
            if len(row) == 1:
                out.append(f"| **{row[0]}** | | | | | |")
            else:
                out.append("| " + " | ".join(row) + " |")
        return "\n".join(out)

    def text(self):
        widths = [max(len(r[i]) for r in self.rows if len(r) > 1) for i in range(6)]
        lines = []
        header = ("measurement", "MelGenre", "reference", "ratio", "goal", "")
        widths = [max(w, len(h)) for w, h in zip(widths, header)]
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        for row in self.rows:
            if len(row) == 1:
                lines.append("")
                lines.append(row[0])
            else:
                cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:4], widths[1:4])] + [row[4].ljust(widths[4]), row[5]]
                lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)


def build(sides):
    t = Table(sides)
    m, r = t.m, t.r
    librosa_measured = "librosa_mel_db_hop512" in r

    t.heading("(a) mel (128, n_fft 2048) + power_to_db(ref max), one 30-s clip at 22,050 Hz, 1 thread")
    for hop in (512, 1024):
        id = f"mel_db_hop{hop}"
        t.row(f"hop {hop} vs torchaudio 0.13", id, goal=("ratio", 0.35))
        if librosa_measured:
            t.row(f"hop {hop} vs librosa (measured)", id, ref_value=t.value(r, "librosa_" + id), goal=("ratio", 0.2))
        else:
            t.row(f"hop {hop} vs librosa 0.11 (notes, not measured here)", id, ref_value=LIBROSA_NOTES_MS[id],
                  ref_text=fmt(LIBROSA_NOTES_MS[id], "ms") + " (notes)", goal=("ratio", 0.2))

    t.heading("(b) per real FMA MP3 (62 clips, 44.1 kHz), single-threaded; median over clips x passes")
    t.row("decode to mono (libsndfile / soundfile)", "clip_decode")
    t.row("resample 44.1 -> 22.05 kHz (soxr HQ / torchaudio sinc)", "clip_resample")
    t.row("features: mel hop 1024 + dB + log, 640 x 128", "clip_features")
    t.row("total per clip", "clip_total")
    t.row("throughput, 2 cores (2 workers / 2 processes)", "clips_per_s_2", inverse=True, goal=("min", 45))

    t.heading("(c) train step, batch 32 x 640 x 128, Adam 1e-3 (eps 1e-7), cross-entropy (+ CRNN L2 1e-3)")
    t.row("CRNN parameters", "params_crnn", goal=("equal",))
    t.row("parallel CNN-RNN parameters", "params_pcrnn", goal=("equal",))
    for threads in (1, 2):
        if f"train_crnn_t{threads}" in m or f"train_crnn_t{threads}" in r:
            t.row(f"CRNN step, {threads} thread{'s' if threads > 1 else ''}", f"train_crnn_t{threads}", goal=("ratio", 1.0))
            t.row(f"parallel CNN-RNN step, {threads} thread{'s' if threads > 1 else ''}", f"train_pcrnn_t{threads}", goal=("ratio", 1.0))
    for threads in (1, 2):
        if f"epoch_estimate_crnn_t{threads}" in m:
            t.row(f"CRNN epoch estimate, 6,400 clips (200 steps), {threads} thread{'s' if threads > 1 else ''}",
                  f"epoch_estimate_crnn_t{threads}", goal=("max", 30.0))
    for threads in (1, 2):
        id = f"epoch_measured_crnn_t{threads}"
        if id in m or id in r:
            clips = int(((m.get("mem_epoch_peak") or r.get("mem_epoch_peak") or {}).get("extra") or {}).get("clips", 6400))
            t.row(f"CRNN epoch measured, {clips:,} clips, {threads} threads (ML.NET trainer / PyTorch loop)", id,
                  goal=("max", 30.0 * clips / 6400))

    t.heading("(d) inference of one clip (eval mode, batch 1): from features, and from the MP3 (decode + features + network)")
    for threads in (1, 2):
        for name, label in (("crnn", "CRNN"), ("pcrnn", "parallel CNN-RNN")):
            if f"infer_features_{name}_t{threads}" in m:
                t.row(f"{label} from features, {threads} thread{'s' if threads > 1 else ''}", f"infer_features_{name}_t{threads}")
    for threads in (1, 2):
        for name, label in (("crnn", "CRNN"), ("pcrnn", "parallel CNN-RNN")):
            if f"infer_mp3_{name}_t{threads}" in m:
                t.row(f"{label} from an MP3, {threads} thread{'s' if threads > 1 else ''}", f"infer_mp3_{name}_t{threads}", goal=("max", 50.0))

    t.heading("(e) peak resident memory (VmHWM) of a dedicated process; baseline = resident size before the work")
    for id, label in (("mem_features_peak", "features of all 62 clips, kept"), ("mem_epoch_peak", "one CRNN training epoch")):
        mm, rr = m.get(id), r.get(id)
        if mm or rr:
            base = lambda x: f" (baseline {x['extra']['baseline_mib']:,.0f})" if x and x.get("extra") else ""
            t.rows.append((label,
                           (fmt(mm["value"], "MiB") + base(mm)) if mm else "–",
                           (fmt(rr["value"], "MiB") + base(rr)) if rr else "–",
                           f"{mm['value'] / rr['value']:.2f}x" if mm and rr else "–", "", ""))
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", help="folder with the run's JSON files")
    ap.add_argument("--md", help="write the markdown table here")
    ap.add_argument("--json", help="write the merged results here")
    ap.add_argument("--note", default="", help="a line to add under the table (machine load, etc.)")
    a = ap.parse_args()
    sides, meta = load(a.folder)
    table = build(sides)
    print(table.text())
    missed = [label for label, ok in table.goals if not ok]
    summary = f"goals met: {sum(ok for _, ok in table.goals)}/{len(table.goals)}" + (f"; missed: {', '.join(missed)}" if missed else "")
    print()
    print(summary)
    versions = (f"MelGenre side: {meta['melgenre'].get('runtime', '?')}, TorchSharp {meta['melgenre'].get('torchsharp', '?')} "
                f"(libtorch 2.10 CPU). Reference: Python {meta['reference'].get('python', '?')}, torch {meta['reference'].get('torch', '?')}, "
                f"torchaudio {meta['reference'].get('torchaudio', '?')}, soundfile {meta['reference'].get('soundfile', '?')} "
                f"({meta['reference'].get('libsndfile', '?')}), numpy {meta['reference'].get('numpy', '?')}, "
                f"librosa {meta['reference'].get('librosa', '?')}.")
    print(versions)
    if a.md:
        with open(a.md, "w") as f:
            f.write(table.markdown() + "\n\n" + summary + "\n\n" + versions + "\n")
            if a.note:
                f.write("\n" + a.note + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "melgenre": sides["melgenre"], "reference": sides["reference"],
                       "goals": [{"goal": label, "met": ok} for label, ok in table.goals]}, f, indent=2)


if __name__ == "__main__":
    main()
