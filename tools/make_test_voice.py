#!/usr/bin/env python3
"""Build a random-weight French Piper voice (.onnx + .onnx.json) for tests.

Piper voices come from Hugging Face, which these machines cannot reach, so the
tests use a voice generated here: piper's own VITS generator (SynthesizerTrn
from piper.train.vits) with random weights, exported to ONNX exactly as
piper/train/export_onnx.py does, plus a config in Piper's format. It speaks no
words, but it exercises the real Piper code path (phonemizer, ids, ONNX graph,
speaker ids, alignments) with realistic durations and, at --quality x_low,
low, medium or high (Piper's own architectures), a realistic cost.

Needs torch and onnx (`.venv/bin/pip install torch==2.13.0 onnx`: torch's
TorchScript exporter imports onnx); both are tool-time dependencies only, never
runtime ones of the project. Same seed, same bytes.

    .venv/bin/python tools/make_test_voice.py --out tests/fixtures/voices/fr_FR-test-tiny.onnx
    .venv/bin/python tools/make_test_voice.py --speakers 4 \
        --out tests/fixtures/voices/fr_FR-testmulti-tiny.onnx
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from pathlib import Path

import torch
from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP, phonemes_to_ids
from piper.phonemize_espeak import EspeakPhonemizer
from piper.train.vits.models import SynthesizerTrn

# piper's training code still uses torch.nn.utils.weight_norm (deprecated, works)
warnings.filterwarnings("ignore", category=FutureWarning, module="torch")

try:
    from importlib.metadata import version

    PIPER_VERSION = version("piper-tts")
except Exception:  # pragma: no cover - metadata missing in odd installs
    PIPER_VERSION = "1.8.0"

OPSET_VERSION = 15  # same as piper/train/export_onnx.py
HOP_LENGTH = 256  # product of the upsample rates; Piper's default hop length
CHARS_PER_SECOND = 19.0  # speaking rate of the real French Piper voices

# Hyper-parameters shared by every quality: the VitsModel defaults in
# piper/train/vits/lightning.py. Widths change per quality (and, for tiny,
# depth); only "high" changes the HiFi-GAN decoder.
COMMON = dict(
    n_heads=2,
    n_layers=6,
    kernel_size=3,
    p_dropout=0.1,
    resblock="2",
    resblock_kernel_sizes=(3, 5, 7),
    resblock_dilation_sizes=((1, 2), (2, 6), (3, 12)),
    upsample_rates=(8, 8, 4),  # 8*8*4 = 256 = hop length
    upsample_kernel_sizes=(16, 16, 8),
)
# gin_channels: VitsModel uses 512 for multi-speaker models; tiny uses less so
# that the speaker conditioning does not dwarf the ~1 MB model.
# Piper's qualities, as rhasspy/piper's src/python/piper_train/__main__.py
# --quality sets them (piper1-gpl dropped the flag; its vits/config.py keeps
# ModelAudioConfig.low_quality() = the default decoder, .high_quality() = the
# decoder below): x-low narrows the text side, high swaps in HiFi-GAN V1's
# decoder, and "low" is medium's architecture trained on 16 kHz audio.
# Published sizes: x_low 5-7M params, low and medium 15-20M, high 28-32M.
QUALITIES = {
    "medium": dict(sample_rate=22050, hidden_channels=192, inter_channels=192,
                   filter_channels=768, upsample_initial_channel=256, gin_channels=512),
    "low": dict(sample_rate=16000, hidden_channels=192, inter_channels=192,
                filter_channels=768, upsample_initial_channel=256, gin_channels=512),
    "x_low": dict(sample_rate=16000, hidden_channels=96, inter_channels=96,
                  filter_channels=384, upsample_initial_channel=256, gin_channels=512),
    "high": dict(sample_rate=22050, hidden_channels=192, inter_channels=192,
                 filter_channels=768, gin_channels=512,
                 resblock="1", resblock_kernel_sizes=(3, 7, 11),
                 resblock_dilation_sizes=((1, 3, 5), (1, 3, 5), (1, 3, 5)),
                 upsample_rates=(8, 8, 2, 2),  # 8*8*2*2 = 256 = hop length too
                 upsample_initial_channel=512, upsample_kernel_sizes=(16, 16, 4, 4)),
    # tiny: ~0.4 MB of weights (+ ~0.7 MB of graph) = a ~1.1 MB file.
    "tiny": dict(sample_rate=22050, hidden_channels=16, inter_channels=16,
                 filter_channels=64, upsample_initial_channel=48, gin_channels=32,
                 n_layers=2),
}

# French text used to calibrate the speaking rate (typical debate sentences).
CALIBRATION_TEXT = [
    "Bonjour, la séance est ouverte à vingt et une heures trente.",
    "L'ordre du jour appelle la suite de la discussion du projet de loi de finances.",
    "La parole est à madame la rapporteure générale de la commission des finances.",
    "Monsieur le président, mes chers collègues, cet amendement vise à supprimer l'article.",
    "Je mets aux voix l'amendement numéro quarante-deux.",
    "Il n'est pas adopté.",
]


def build_generator(quality: str, num_speakers: int, num_symbols: int) -> SynthesizerTrn:
    """piper's SynthesizerTrn with the arguments VitsModel.__init__ passes it.

    (VitsModel itself is a LightningModule: importing it needs `lightning` and
    builds discriminators we would throw away; its model_g is this object.)
    """
    hp = {**COMMON, **QUALITIES[quality]}
    assert math.prod(hp["upsample_rates"]) == HOP_LENGTH, "upsample rates must make the hop length"
    return SynthesizerTrn(
        n_vocab=num_symbols,
        spec_channels=1024 // 2 + 1,  # filter_length // 2 + 1 (posterior encoder, training only)
        segment_size=8192 // HOP_LENGTH,
        inter_channels=hp["inter_channels"],
        hidden_channels=hp["hidden_channels"],
        filter_channels=hp["filter_channels"],
        n_heads=hp["n_heads"],
        n_layers=hp["n_layers"],
        kernel_size=hp["kernel_size"],
        p_dropout=hp["p_dropout"],
        resblock=hp["resblock"],
        resblock_kernel_sizes=hp["resblock_kernel_sizes"],
        resblock_dilation_sizes=hp["resblock_dilation_sizes"],
        upsample_rates=hp["upsample_rates"],
        upsample_initial_channel=hp["upsample_initial_channel"],
        upsample_kernel_sizes=hp["upsample_kernel_sizes"],
        n_speakers=num_speakers,
        gin_channels=hp["gin_channels"] if num_speakers > 1 else 0,
        use_sdp=True,  # piper's default: stochastic duration predictor
    )


def calibration_ids() -> list[torch.Tensor]:
    """Phoneme ids of the calibration sentences, made by piper's own phonemizer."""
    phonemizer = EspeakPhonemizer()
    return [
        torch.LongTensor([phonemes_to_ids(ph, DEFAULT_PHONEME_ID_MAP)])
        for text in CALIBRATION_TEXT
        for ph in phonemizer.phonemize("fr", text)
    ]


@torch.no_grad()
def shape_durations(model: SynthesizerTrn) -> None:
    """Give phonemes varied durations, and damp the duration noise.

    The ConvFlow projections of the stochastic duration predictor are
    zero-initialised by piper, so every phoneme would get the same duration;
    small random weights there make durations depend on the phoneme, its
    neighbours and (a little) the speaker, like real speech. Untrained flows
    pass noise_w's noise through at full strength (log-duration std ≈ 1.2 at
    noise_w 0.8, durations ×3 either way); the final ElementwiseAffine's
    log-scale divides it, as a trained predictor's would.
    """
    for flow in model.dp.flows:
        if hasattr(flow, "proj"):  # ConvFlow
            flow.proj.weight.normal_(0.0, 0.4)
            flow.proj.bias.normal_(0.0, 0.4)
    model.dp.flows[0].logs[0] = math.log(2.5)
    if model.n_speakers > 1:
        model.dp.cond.weight *= 0.2  # speakers' rates within about ±10 %


def _frames_and_audio(model: SynthesizerTrn, x: torch.Tensor, sid: int, audio: bool):
    """SynthesizerTrn.infer with noise_scale = noise_w = 0 (the repeatable setting
    the project uses): number of frames, and the audio if asked."""
    g = model.emb_g(torch.LongTensor([sid])).unsqueeze(-1) if model.n_speakers > 1 else None
    h, _, _, x_mask = model.enc_p(x, torch.LongTensor([x.size(1)]))
    logw = model.dp(h, x_mask, g=g, reverse=True, noise_scale=0.0)
    frames = torch.ceil(torch.exp(logw) * x_mask).sum().item()
    if not audio:
        return frames, None
    sids = torch.LongTensor([sid]) if model.n_speakers > 1 else None
    return frames, model.infer(x, torch.LongTensor([x.size(1)]), sid=sids,
                               noise_scale=0.0, noise_scale_w=0.0)[0]


@torch.no_grad()
def set_speaking_rate(model: SynthesizerTrn, sample_rate: int) -> None:
    """Make speech last as long as a real voice's (≈19 characters per second).

    Untrained, the duration predictor gives log-durations near 0: every
    phoneme id lasts ceil(e^0) = 1 frame (11.6 ms), speech 5× too fast. At
    inference the SDP ends with ElementwiseAffine flows[0] run in reverse,
    logw = (z - m) * e^-logs, so its bias m sets the mean log-duration. Bisect
    m until French calibration text, phonemized by piper, lasts the target
    time (averaged over the speakers).
    """
    ids = calibration_ids()
    frames_per_second = sample_rate / HOP_LENGTH
    target = sum(len(t) for t in CALIBRATION_TEXT) / CHARS_PER_SECOND * frames_per_second
    affine = model.dp.flows[0]
    lo, hi = -10.0, 10.0  # more frames as m decreases
    for _ in range(30):
        affine.m[0] = (lo + hi) / 2
        frames = sum(
            _frames_and_audio(model, x, sid, audio=False)[0]
            for sid in range(model.n_speakers) for x in ids
        ) / model.n_speakers
        lo, hi = (affine.m[0].item(), hi) if frames > target else (lo, affine.m[0].item())


@torch.no_grad()
def set_output_level(model: SynthesizerTrn) -> None:
    """Remove the DC offset and set a speech-like level.

    Random HiFi-GAN weights output a constant offset of about +0.05 with tiny
    variations (a click at every sentence boundary, and loudness measurements
    that mean nothing). Making each input channel's taps of the final conv sum
    to zero removes DC before the tanh; scaling them gives RMS ≈ 0.1 (about
    -20 dBFS, peaks ≈ -10 dBFS), a level like a real voice's at
    normalize_audio=False, so loudness stages see plausible input.
    """
    conv = model.dec.conv_post
    conv.weight -= conv.weight.mean(dim=-1, keepdim=True)
    x = calibration_ids()[3]
    for _ in range(3):  # tanh is not linear: a few fixed-point steps
        audio = _frames_and_audio(model, x, 0, audio=True)[1]
        rms = audio.pow(2).mean().sqrt().item()
        conv.weight *= 0.1 / max(rms, 1e-6)


@torch.no_grad()
def separate_speakers(model: SynthesizerTrn) -> None:
    """Make speakers sound distinct: scale each random speaker embedding
    differently (0.5×, 1×, 1.5×, 2×, …) and strengthen the generator's speaker
    conditioning, so each speaker pushes its nonlinearities (timbre) apart."""
    if model.n_speakers > 1:
        for sid in range(model.n_speakers):
            model.emb_g.weight[sid] *= 0.5 * (1 + sid % 4)
        model.dec.cond.weight *= 4.0


def export_onnx(model: SynthesizerTrn, out: Path) -> None:
    """Export as piper/train/export_onnx.py does (same wrapper, names, axes)."""
    model.eval()  # (weight norm already removed in main, as export_onnx.py does here)

    def infer_forward(text, text_lengths, scales, sid=None):
        return model.infer(
            text,
            text_lengths,
            noise_scale=scales[0],
            length_scale=scales[1],
            noise_scale_w=scales[2],
            sid=sid,
        )[0].unsqueeze(1)

    model.forward = infer_forward  # type: ignore[method-assign]

    sequences = torch.randint(0, model.n_vocab, size=(1, 50), dtype=torch.long)
    sid = torch.LongTensor([0]) if model.n_speakers > 1 else None
    scales = torch.FloatTensor([0.667, 1.0, 0.8])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about data-dependent shapes
        torch.onnx.export(
            model=model,
            args=(sequences, torch.LongTensor([sequences.size(1)]), scales, sid),
            f=str(out),
            verbose=False,
            opset_version=OPSET_VERSION,
            input_names=["input", "input_lengths", "scales", "sid"],
            output_names=["output"],
            dynamic_axes={
                "input": {0: "batch_size", 1: "phonemes"},
                "input_lengths": {0: "batch_size"},
                "output": {0: "batch_size", 2: "time"},
            },
            dynamo=False,  # torch 2.13 defaults to the dynamo exporter; piper's graph is traced
        )


def write_config(out: Path, quality: str, num_speakers: int, num_symbols: int) -> None:
    """The .onnx.json that piper/config.py (PiperConfig.from_dict) reads."""
    name = out.name.removesuffix(".onnx")  # e.g. fr_FR-test-tiny
    dataset = name.split("-")[1] if name.count("-") >= 2 else name
    config = {
        "dataset": dataset,
        "audio": {"sample_rate": QUALITIES[quality]["sample_rate"], "quality": quality},
        "espeak": {"voice": "fr"},
        "language": {
            "code": "fr_FR",
            "family": "fr",
            "region": "FR",
            "name_native": "Français",
            "name_english": "French",
            "country_english": "France",
        },
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "num_symbols": num_symbols,
        "num_speakers": num_speakers,
        "speaker_id_map": {f"spk{i}": i for i in range(num_speakers)} if num_speakers > 1 else {},
        "hop_length": HOP_LENGTH,
        "piper_version": PIPER_VERSION,
        "test_voice": "random weights from tools/make_test_voice.py; speaks no words",
    }
    Path(f"{out}.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def add_alignment(out: Path) -> None:
    """Mark the duration tensor (w_ceil) as an output, as
    `python -m piper.patch_voice_with_alignment` does (needs the onnx package)."""
    import onnx
    from piper.patch_voice_with_alignment import add_alignment_output

    model = onnx.load(str(out))
    add_alignment_output(model)
    onnx.save(model, str(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="path of the .onnx to write")
    parser.add_argument("--speakers", type=int, default=1, help="number of speakers (1 = single)")
    parser.add_argument("--quality", choices=sorted(QUALITIES), default="tiny")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument(
        "--alignment", action="store_true",
        help="also expose phoneme durations (piper's alignment patch; needs onnx)",
    )
    args = parser.parse_args()
    if args.speakers < 1:
        parser.error("--speakers must be at least 1")

    torch.manual_seed(args.seed)  # same seed -> same weights -> same file
    torch.set_num_threads(1)  # keeps float results independent of the machine's core count
    num_symbols = 256  # VitsModel default, and what real Piper voices declare

    model = build_generator(args.quality, args.speakers, num_symbols)
    model.eval()  # no dropout during calibration
    model.dec.remove_weight_norm()  # as export does; the level is set on the final weights
    separate_speakers(model)
    shape_durations(model)
    set_speaking_rate(model, QUALITIES[args.quality]["sample_rate"])
    set_output_level(model)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    export_onnx(model, args.out)
    if args.alignment:
        add_alignment(args.out)
    write_config(args.out, args.quality, args.speakers, num_symbols)
    size = args.out.stat().st_size / 1e6
    params = sum(p.numel() for name, p in model.named_parameters()
                 if not name.startswith("enc_q."))  # posterior encoder: training only
    print(f"wrote {args.out} ({size:.2f} MB, {params / 1e6:.2f}M inference parameters)"
          f" and {args.out}.json")


if __name__ == "__main__":
    main()
