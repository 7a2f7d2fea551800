"""Issue 14's table from one `bash benchmarks/run.sh --speed` run: ratios of timings measured back to back in that
run, with the load average (1/5/15 min) recorded right after each measurement. Standard library only.

    python3 benchmarks/python/speed_report.py benchmarks/results/speed [--md FILE]
"""
import argparse
import json
import os


def value(folder, name, id):
    path = os.path.join(folder, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        doc = json.load(f)
    for r in doc["results"]:
        if r["id"] == id:
            return r["value"]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--md")
    a = ap.parse_args()
    d = a.folder
    loads = {}
    with open(os.path.join(d, "loads.tsv")) as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t")
            loads[k] = v

    rows = []

    def row(label, mine, ref, unit, goal, load_keys, goal_ok=None):
        ratio = mine / ref if mine is not None and ref else None
        status = ""
        if goal is not None and ratio is not None:
            status = "met" if ratio <= goal else "missed"
        load = "; ".join(loads.get(k, "?") for k in load_keys)
        rows.append((label, f"{mine:,.3g} {unit}" if mine is not None else "-", f"{ref:,.3g} {unit}" if ref else "-",
                     f"{ratio:.2f}x" if ratio is not None else "-", f"<= {goal}x" if goal is not None else "", status, load))

    ms = "ms"
    row("parallel CNN-RNN train step, 1 thread, vs PyTorch 1.13 default", value(d, "melgenre-train", "train_pcrnn_t1"),
        value(d, "reference-train", "train_pcrnn_t1"), ms, 0.5, ["train-reference", "train-melgenre"])
    row("  same, old runtime (no allocator tuning) vs PyTorch", value(d, "melgenre-old-train", "train_pcrnn_t1"),
        value(d, "reference-train", "train_pcrnn_t1"), ms, None, ["train-reference", "train-melgenre-old"])
    row("  new runtime vs old runtime (MelGenre only)", value(d, "melgenre-train", "train_pcrnn_t1"),
        value(d, "melgenre-old-train", "train_pcrnn_t1"), ms, None, ["train-melgenre", "train-melgenre-old"])
    row("CRNN train step, 1 thread, vs PyTorch 1.13", value(d, "melgenre-train", "train_crnn_t1"),
        value(d, "reference-train", "train_crnn_t1"), ms, 0.4, ["train-reference", "train-melgenre"])
    row("parallel CNN-RNN inference from features, batch 1, 1 thread, vs PyTorch", value(d, "melgenre-infer", "infer_features_pcrnn_t1"),
        value(d, "reference-infer", "infer_features_pcrnn_t1"), ms, 1.0, ["infer-reference", "infer-melgenre"])
    row("  same, old runtime vs PyTorch", value(d, "melgenre-old-infer", "infer_features_pcrnn_t1"),
        value(d, "reference-infer", "infer_features_pcrnn_t1"), ms, None, ["infer-reference", "infer-melgenre-old"])
    for model, clips in (("crnn", 320), ("pcrnn", 64)):
        label = "CRNN" if model == "crnn" else "parallel CNN-RNN"
        for rt, what in (("new", "new defaults"), ("old", "old behaviour")):
            row(f"{label} epoch ({clips} clips), busy / quiet, {what}", value(d, f"melgenre-epoch-{model}-{rt}-busy", f"epoch_{model}_{rt}_busy"),
                value(d, f"melgenre-epoch-{model}-{rt}-quiet", f"epoch_{model}_{rt}_quiet"), "s", 2.5 if rt == "new" else None,
                [f"epoch-{model}-{rt}-quiet", f"epoch-{model}-{rt}-busy"])
        row(f"{label} epoch, PyTorch 1.13 loop (2 threads), busy / quiet", value(d, f"reference-epoch-{model}-busy", f"epoch_measured_{model}_t2"),
            value(d, f"reference-epoch-{model}-quiet", f"epoch_measured_{model}_t2"), "s", None,
            [f"epoch-{model}-reference-quiet", f"epoch-{model}-reference-busy"])
        row(f"{label} epoch quiet, new defaults vs old", value(d, f"melgenre-epoch-{model}-new-quiet", f"epoch_{model}_new_quiet"),
            value(d, f"melgenre-epoch-{model}-old-quiet", f"epoch_{model}_old_quiet"), "s", None,
            [f"epoch-{model}-new-quiet", f"epoch-{model}-old-quiet"])
        row(f"{label} epoch busy, new defaults vs old", value(d, f"melgenre-epoch-{model}-new-busy", f"epoch_{model}_new_busy"),
            value(d, f"melgenre-epoch-{model}-old-busy", f"epoch_{model}_old_busy"), "s", None,
            [f"epoch-{model}-new-busy", f"epoch-{model}-old-busy"])

    head = ["measurement", "MelGenre / numerator", "reference / denominator", "ratio", "goal", "", "load after each (1/5/15 min)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(lines) + f"\n\nLoad average at start {loads.get('start', '?')}, at end {loads.get('end', '?')}.\n"
    print(text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
