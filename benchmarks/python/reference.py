#!/usr/bin/python3
"""The Python half of the side-by-side comparison (benchmarks/run.sh runs it beside MelGenre.SideBySide).

Same sections, same inputs (the folder MelGenre.SideBySide's `prepare` writes), same ids in the JSON output,
same timing rule (median of N repetitions after warm-up) and the same thread counts:

  run --section mel|clips|train|infer --inputs DIR --out FILE.json [--reps N] [--threads 1,2] [--models crnn,pcrnn]
  memory --kind features|epoch --inputs DIR --out FILE.json [--clips N] [--threads N]

Reference implementations (Debian 12 packages, see setup.sh): torchaudio 0.13 for mel + dB and resampling,
python-soundfile (libsndfile, the decoder MelGenre uses too) for MP3 decoding, PyTorch 1.13 for the networks,
written here from the original work's description (models.py). librosa is measured too when importable.
"""
import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import time

import numpy as np
import soundfile as sf
import torch
import torch.nn.functional as F
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from models import Crnn, ParallelCnnRnn, parameter_count  # noqa: E402

SAMPLE_RATE = 22050
FRAMES = 640
MELS = 128
BATCH = 32
EPOCH_CLIPS = 6400
LN_PER_DB = math.log(10.0) / 10.0

try:  # librosa is not packaged by Debian 12; measure it only when some other install provides it
    import librosa  # type: ignore
except ImportError:  # pragma: no cover - the usual case here
    librosa = None


class Report:
    def __init__(self, section):
        self.section = section
        self.results = []

    def add(self, id, value, unit, threads=0, samples=None, note=None, extra=None):
        r = {"id": id, "value": float(value), "unit": unit, "threads": threads, "samples": [float(s) for s in (samples or [])]}
        if note:
            r["note"] = note
        if extra:
            r["extra"] = extra
        self.results.append(r)
        spread = f"  (min {min(samples):.3f}, max {max(samples):.3f}, n {len(samples)})" if samples and len(samples) > 1 else ""
        print(f"  python   {id:<28} {value:10.3f} {unit}{spread}", file=sys.stderr, flush=True)

    def write(self, path):
        meta = {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torchaudio": torchaudio.__version__,
            "soundfile": sf.__version__,
            "libsndfile": sf.__libsndfile_version__,
            "numpy": np.__version__,
            "librosa": librosa.__version__ if librosa else "not importable",
            "processors": str(os.cpu_count()),
            "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "w") as f:
            json.dump({"side": "reference", "section": self.section, "meta": meta, "results": self.results}, f, indent=2)


MIN_WARMUP_S = 1.0  # same warm-up rule as the .NET side (which needs it for its JIT's tier-1 code)


def times(warmup, reps, fn):
    start = time.perf_counter()
    i = 0
    while i < warmup or time.perf_counter() - start < MIN_WARMUP_S:
        fn()
        i += 1
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000.0)
    return out


def resident_mib():
    rss = peak = float("nan")
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024.0
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024.0
    return rss, peak


class Inputs:
    def __init__(self, folder, with_signals=True):
        with open(os.path.join(folder, "clips.txt")) as f:
            self.mp3s = [line.strip() for line in f if line.strip()]
        if not with_signals:  # the feature-memory process must not count them
            return
        self.clip = np.fromfile(os.path.join(folder, "clip22k.f32"), dtype="<f4")
        feats = np.fromfile(os.path.join(folder, "features.f32"), dtype="<f4")
        if feats.size != len(self.mp3s) * FRAMES * MELS:
            raise SystemExit(f"features.f32 holds {feats.size} values, expected {len(self.mp3s)} x {FRAMES * MELS}")
        self.features = feats.reshape(len(self.mp3s), FRAMES, MELS)


def mel_transform(hop):
    # librosa.feature.melspectrogram's settings: periodic Hann, centred with zero padding (librosa >= 0.9),
    # power 2, Slaney mel scale and area normalisation, fmax = sr / 2.
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=SAMPLE_RATE, n_fft=2048, hop_length=hop, n_mels=MELS, power=2.0,
        center=True, pad_mode="constant", norm="slaney", mel_scale="slaney")


def power_to_db_ref_max(S):
    # librosa.power_to_db(S, ref=np.max, amin=1e-10, top_db=80) with torchaudio's functional.
    ref = max(float(S.max()), 1e-10)
    return torchaudio.functional.amplitude_to_DB(S, 10.0, 1e-10, math.log10(ref), 80.0)


class Pipeline:
    """Decode (soundfile, float32, mean of channels like librosa.load) -> resample to 22,050 Hz (torchaudio's
    Resample, default sinc interpolation, kernel cached per rate) -> network features (hop 1024, dB ref max,
    x ln(10)/10, first 640 frames, time-major)."""

    def __init__(self):
        self.mel = mel_transform(1024)
        self.resamplers = {}

    def decode(self, path):
        data, rate = sf.read(path, dtype="float32", always_2d=True)
        return data.mean(axis=1, dtype=np.float32), rate

    def resample(self, y, rate):
        t = torch.from_numpy(y)
        if rate == SAMPLE_RATE:
            return t
        r = self.resamplers.get(rate)
        if r is None:
            r = self.resamplers[rate] = torchaudio.transforms.Resample(rate, SAMPLE_RATE)
        return r(t)

    def features(self, y):
        db = power_to_db_ref_max(self.mel(y)) * LN_PER_DB
        return db[:, :FRAMES].t().contiguous()

    def from_file(self, path):
        y, rate = self.decode(path)
        return self.features(self.resample(y, rate))


_worker = None


def _init_worker():
    global _worker
    torch.set_num_threads(1)
    _worker = Pipeline()


def _work(path):
    _worker.from_file(path)
    return 0


def section_mel(inputs, report, reps):
    torch.set_num_threads(1)
    y = torch.from_numpy(inputs.clip)
    with torch.inference_mode():
        for hop in (512, 1024):
            mel = mel_transform(hop)
            samples = times(10, reps, lambda: power_to_db_ref_max(mel(y)))
            report.add(f"mel_db_hop{hop}", statistics.median(samples), "ms", threads=1, samples=samples)
    if librosa is not None:
        for hop in (512, 1024):
            fn = lambda: librosa.power_to_db(librosa.feature.melspectrogram(y=inputs.clip, sr=SAMPLE_RATE, n_fft=2048, hop_length=hop, n_mels=MELS), ref=np.max)
            samples = times(3, max(5, reps // 3), fn)
            report.add(f"librosa_mel_db_hop{hop}", statistics.median(samples), "ms", threads=1, samples=samples)


def section_clips(inputs, report, passes):
    torch.set_num_threads(1)
    p = Pipeline()
    with torch.inference_mode():
        for path in inputs.mp3s:  # warm-up pass (page cache, libraries), as on the .NET side
            p.from_file(path)
        decode, resample, feat, total = [], [], [], []
        for _ in range(passes):
            for path in inputs.mp3s:
                t0 = time.perf_counter()
                y, rate = p.decode(path)
                t1 = time.perf_counter()
                y = p.resample(y, rate)
                t2 = time.perf_counter()
                p.features(y)
                t3 = time.perf_counter()
                decode.append((t1 - t0) * 1e3)
                resample.append((t2 - t1) * 1e3)
                feat.append((t3 - t2) * 1e3)
                total.append((t3 - t0) * 1e3)
    for id, s in (("clip_decode", decode), ("clip_resample", resample), ("clip_features", feat), ("clip_total", total)):
        report.add(id, statistics.median(s), "ms", threads=1, samples=s)

    # Throughput on 2 worker processes (the GIL rules out threads), one torch thread each.
    workers = 2
    rates = []
    with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker) as pool:
        for rep in range(passes + 1):
            t = time.perf_counter()
            pool.map(_work, inputs.mp3s, chunksize=1)
            seconds = time.perf_counter() - t
            if rep > 0:
                rates.append(len(inputs.mp3s) / seconds)
    report.add(f"clips_per_s_{workers}", statistics.median(rates), "clips/s", threads=workers, samples=rates,
               note="2 processes (multiprocessing.Pool)")

    if librosa is not None:
        samples = []
        for path in inputs.mp3s[:10]:
            t = time.perf_counter()
            y, _ = librosa.load(path, sr=SAMPLE_RATE)
            S = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SAMPLE_RATE, n_fft=2048, hop_length=1024, n_mels=MELS), ref=np.max)
            np.log(librosa.db_to_power(S))[:, :FRAMES].T.copy()
            samples.append((time.perf_counter() - t) * 1e3)
        report.add("librosa_clip_total", statistics.median(samples[1:]), "ms", threads=1, samples=samples[1:])


def build(name):
    torch.manual_seed(1)
    return Crnn() if name == "crnn" else ParallelCnnRnn()


def batch(inputs, start, n):
    idx = [(start + i) % len(inputs.mp3s) for i in range(n)]
    return torch.from_numpy(inputs.features[idx].copy())


def train_step(net, optimizer, x, y, crnn):
    optimizer.zero_grad()
    logits = net(x)
    ce = F.cross_entropy(logits, y)
    loss = ce + net.l2_penalty() if crnn else ce
    loss.backward()
    optimizer.step()
    ce.item()
    (logits.argmax(1) == y).sum().item()


def section_train(inputs, report, reps, thread_counts, models):
    for name in models:
        report.add(f"params_{name}", parameter_count(build(name)), "parameters")
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for name in models:
            net = build(name)
            net.train()
            optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
            x = batch(inputs, 0, BATCH)
            y = torch.tensor([i % 8 for i in range(BATCH)], dtype=torch.int64)
            samples = times(3, reps, lambda: train_step(net, optimizer, x, y, name == "crnn"))
            median = statistics.median(samples)
            report.add(f"train_{name}_t{threads}", median, "ms", threads=threads, samples=samples)
            if name == "crnn":
                steps = (EPOCH_CLIPS + BATCH - 1) // BATCH
                report.add(f"epoch_estimate_crnn_t{threads}", median * steps / 1000.0, "s", threads=threads,
                           note=f"{steps} steps x median step")


def section_infer(inputs, report, reps, thread_counts, models):
    pipeline = Pipeline()
    for threads in thread_counts:
        torch.set_num_threads(threads)
        for name in models:
            net = build(name)
            net.eval()
            state = {"next": 0}

            def predict(clip):
                with torch.inference_mode():
                    x = clip.reshape(1, FRAMES, MELS)
                    return int(F.softmax(net(x), 1).argmax(1).item())

            def from_features():
                i = state["next"] % len(inputs.mp3s)
                state["next"] += 1
                return predict(torch.from_numpy(inputs.features[i]))

            def from_mp3():
                i = state["next"] % len(inputs.mp3s)
                state["next"] += 1
                with torch.inference_mode():
                    return predict(pipeline.from_file(inputs.mp3s[i]))

            samples = times(5, reps, from_features)
            report.add(f"infer_features_{name}_t{threads}", statistics.median(samples), "ms", threads=threads, samples=samples)
            state["next"] = 0
            samples = times(3, reps, from_mp3)
            report.add(f"infer_mp3_{name}_t{threads}", statistics.median(samples), "ms", threads=threads, samples=samples)


def memory_features(inputs, report):
    torch.set_num_threads(1)
    before, _ = resident_mib()
    p = Pipeline()
    t = time.perf_counter()
    with torch.inference_mode():
        kept = [p.from_file(path) for path in inputs.mp3s]
    seconds = time.perf_counter() - t
    _, peak = resident_mib()
    report.add("mem_features_peak", peak, "MiB", threads=1,
               extra={"baseline_mib": before, "seconds": seconds, "clips": len(kept)},
               note="one process, clips in sequence")


def memory_epoch(inputs, report, clips, threads, name="crnn"):
    torch.set_num_threads(threads)
    torch.zeros(1)
    before, _ = resident_mib()
    n = len(inputs.mp3s)
    X = np.empty((clips, FRAMES, MELS), dtype=np.float32)
    for i in range(clips):
        X[i] = inputs.features[i % n]
    Y = np.array([i % 8 for i in range(clips)], dtype=np.int64)
    net = build(name)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    order = np.random.default_rng(1).permutation(clips)
    t = time.perf_counter()
    net.train()
    for start in range(0, clips, BATCH):
        idx = order[start:start + BATCH]
        x = torch.from_numpy(X[idx])
        y = torch.from_numpy(Y[idx])
        train_step(net, optimizer, x, y, name == "crnn")
    seconds = time.perf_counter() - t
    _, peak = resident_mib()
    report.add("mem_epoch_peak", peak, "MiB", threads=threads,
               extra={"baseline_mib": before, "clips": clips, "epoch_seconds": seconds})
    report.add(f"epoch_measured_{name}_t{threads}", seconds, "s", threads=threads,
               note=f"one epoch of {clips} clips, plain PyTorch loop (batch assembly included)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["run", "memory"])
    ap.add_argument("--section", choices=["mel", "clips", "train", "infer"])
    ap.add_argument("--kind", choices=["features", "epoch"])
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reps", type=int, default=0)
    ap.add_argument("--threads", default=None)
    ap.add_argument("--clips", type=int, default=EPOCH_CLIPS)
    ap.add_argument("--models", default="crnn,pcrnn")
    a = ap.parse_args()
    inputs = Inputs(a.inputs, with_signals=not (a.command == "memory" and a.kind == "features"))
    if a.command == "run":
        if not a.section:
            ap.error("run needs --section")
        report = Report(a.section)
        threads = [int(t) for t in (a.threads or "1,2").split(",")]
        if a.section == "mel":
            section_mel(inputs, report, a.reps or 30)
        elif a.section == "clips":
            section_clips(inputs, report, a.reps or 3)
        elif a.section == "train":
            section_train(inputs, report, a.reps or 10, threads, a.models.split(","))
        else:
            section_infer(inputs, report, a.reps or 20, threads, a.models.split(","))
    else:
        if not a.kind:
            ap.error("memory needs --kind")
        report = Report("memory-" + a.kind)
        if a.kind == "features":
            memory_features(inputs, report)
        else:
            # --models picks the network of the epoch (default crnn; issue 14's busy rows also run pcrnn)
            memory_epoch(inputs, report, a.clips, int(a.threads or "2"),
                         a.models if a.models in ("crnn", "pcrnn") else "crnn")
    report.write(a.out)


if __name__ == "__main__":
    main()
