#!/usr/bin/env python3
"""The PyTorch column of `deno task bench gpu` (bench/gpu.ts runs it first, on the same GPU machine).

  python3 bench/gpu_peer.py --work DIR --fixtures tests/fixtures/hf

Writes into DIR what the product side reads, then measures PyTorch and prints one JSON object:
- DIR/jpeg/*.jpg: 2,048 synthetic 640x480 photos (smooth colour fields and noise, quality 85);
- DIR/minilm/: a full-size paraphrase-multilingual-MiniLM-L12-v2-shaped BERT (vocab 250,037, 12 layers,
  384 wide, random weights: speed does not depend on them) in Hugging Face layout with onnx/model.onnx
  (Optimum's input names) and the XLM-R fixture's tokenizer, mean pooling + Normalize, max length 128;
- DIR/texts.json: the texts both sides embed (each past 128 tokens), DIR/peer_embeddings.json: PyTorch's
  embeddings of the first 16, for the product's agreement check.
Figures: torchvision MobileNetV2 (1280-d pooled features, random weights) fp32 and fp16 channels-last at
batch 16/64/256, a fresh host tensor copied to the GPU and the embeddings back to the host in every run;
JPEG files -> embeddings through a DataLoader with one worker per core (PIL decode + resize 224); the
MiniLM's texts/s with the fast tokenizer, mean pooling and normalisation included, batch 64 and 256.
"""
import argparse
import json
import os
import shutil
import time

import numpy as np
import torch


def best_rate(fn, items: int, passes: int = 2) -> float:
    fn()  # warm-up: kernels, cudnn autotune
    torch.cuda.synchronize()
    best = float("inf")
    for _ in range(passes):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return items / best


def mobilenet(figures: dict, images: int) -> None:
    import torchvision

    torch.backends.cudnn.benchmark = True
    model = torchvision.models.mobilenet_v2(weights=None)
    model.classifier = torch.nn.Identity()
    model = model.eval().cuda()
    half = torchvision.models.mobilenet_v2(weights=None)
    half.classifier = torch.nn.Identity()
    half.load_state_dict(model.state_dict())
    half = half.eval().cuda().half().to(memory_format=torch.channels_last)
    for batch in (16, 64, 256):
        hosts = [torch.rand(batch, 3, 224, 224) for _ in range(2)]
        n = max(images, batch * 4) // batch

        def run(net, fp16):
            def go():
                with torch.inference_mode():
                    for i in range(n):
                        x = hosts[i % 2].cuda()
                        if fp16:
                            x = x.half().contiguous(memory_format=torch.channels_last)
                        net(x).float().cpu()
            return go

        figures[f"torch_mobilenet_fp32_b{batch}_img_s"] = round(best_rate(run(model, False), n * batch), 1)
        figures[f"torch_mobilenet_fp16_channels_last_b{batch}_img_s"] = round(best_rate(run(half, True), n * batch), 1)
    with torch.inference_mode():
        x = torch.rand(64, 3, 224, 224).cuda()
        a = model(x)
        b = half(x.half().contiguous(memory_format=torch.channels_last)).float()
        figures["torch_fp16_min_cosine_vs_fp32"] = round(float(torch.nn.functional.cosine_similarity(a, b).min()), 6)


def make_jpegs(folder: str, n: int) -> list[str]:
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(16)
    y, x = np.mgrid[0:480, 0:640].astype(np.float32)
    paths = []
    for i in range(n):
        path = os.path.join(folder, f"{i:05d}.jpg")
        paths.append(path)
        if os.path.exists(path):
            continue
        a, b, c = rng.uniform(0.002, 0.03, 3)
        img = np.stack([np.sin(x * a + i) * 100 + 128, np.cos(y * b) * 100 + 128, np.sin((x + y) * c) * 100 + 128], -1)
        img += rng.normal(0, 12, img.shape)
        Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(path, quality=85)
    return paths


class JpegSet(torch.utils.data.Dataset):
    def __init__(self, paths):
        self.paths = paths

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        from PIL import Image

        img = Image.open(self.paths[i]).convert("RGB")
        w, h = img.size
        s = min(w, h)
        img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize((224, 224), Image.BILINEAR)
        return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)


def jpeg_end_to_end(figures: dict, paths: list[str]) -> None:
    import torchvision

    model = torchvision.models.mobilenet_v2(weights=None)
    model.classifier = torch.nn.Identity()
    model = model.eval().cuda()
    workers = os.cpu_count() or 1

    def go():
        loader = torch.utils.data.DataLoader(JpegSet(paths), batch_size=64, num_workers=workers, pin_memory=True,
                                             prefetch_factor=4, persistent_workers=False)
        with torch.inference_mode():
            for x in loader:
                model(x.cuda(non_blocking=True).float().div_(255)).cpu()

    figures["torch_jpeg_files_to_embeddings_img_s"] = round(best_rate(go, len(paths), passes=1), 1)
    figures["torch_jpeg_workers"] = workers


def build_minilm(folder: str, fixtures: str) -> None:
    from transformers import BertConfig, BertModel

    if os.path.exists(os.path.join(folder, "onnx", "model.onnx")):
        return
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    config = BertConfig(vocab_size=250037, hidden_size=384, num_hidden_layers=12, num_attention_heads=12,
                        intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2)
    torch.manual_seed(16)
    model = BertModel(config, add_pooling_layer=False).eval()
    model.save_pretrained(folder)
    src = os.path.join(fixtures, "xlmr-unigram")
    for f in ("tokenizer.json", "tokenizer_config.json", "modules.json"):
        shutil.copy(os.path.join(src, f), folder)
    for d in ("1_Pooling", "2_Normalize"):
        shutil.copytree(os.path.join(src, d), os.path.join(folder, d), dirs_exist_ok=True)
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump({"embedding_dimension": 384, "pooling_mode": "mean"}, f)
    with open(os.path.join(folder, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": 128, "do_lower_case": False}, f)

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    ids = torch.randint(5, 4000, (2, 16))
    mask = torch.ones_like(ids)
    mask[1, 10:] = 0
    dyn = {n: {0: "batch_size", 1: "sequence_length"} for n in ("input_ids", "attention_mask", "token_type_ids",
                                                                "last_hidden_state")}
    eager = BertModel.from_pretrained(folder, attn_implementation="eager").eval()
    torch.onnx.export(Wrap(eager), (ids, mask, torch.zeros_like(ids)), os.path.join(folder, "onnx", "model.onnx"),
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                      dynamic_axes=dyn, opset_version=17, do_constant_folding=True, dynamo=False)


def texts_for(fixtures: str, n: int) -> list[str]:
    with open(os.path.join(fixtures, "corpus.txt"), encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    out = []
    for i in range(n):
        # Enough lines joined that every text runs past 128 tokens: both sides cut at 128.
        out.append(" ".join(lines[(i * 7 + k) % len(lines)] for k in range(14)))
    return out


def minilm(figures: dict, folder: str, texts: list[str], work: str) -> None:
    from transformers import AutoTokenizer, BertModel

    tok = AutoTokenizer.from_pretrained(folder)
    model = BertModel.from_pretrained(folder).eval().cuda()

    def embed(batch):
        enc = tok(batch, padding=True, truncation=True, max_length=128, return_tensors="pt").to("cuda")
        states = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        pooled = (states * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(pooled, dim=-1).cpu()

    with torch.inference_mode():
        lengths = tok(texts[:64], truncation=True, max_length=128)["input_ids"]
        figures["torch_minilm_min_tokens"] = min(len(x) for x in lengths)
        with open(os.path.join(work, "peer_embeddings.json"), "w") as f:
            json.dump(embed(texts[:16]).numpy().tolist(), f)
        for batch in (64, 256):
            def go():
                for i in range(0, len(texts), batch):
                    embed(texts[i:i + batch])
            figures[f"torch_minilm_fp32_b{batch}_texts_s"] = round(best_rate(go, len(texts)), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True)
    parser.add_argument("--fixtures", default="tests/fixtures/hf")
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--jpegs", type=int, default=2048)
    parser.add_argument("--texts", type=int, default=2048)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    figures: dict = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)}
    t0 = time.perf_counter()
    paths = make_jpegs(os.path.join(args.work, "jpeg"), args.jpegs)
    build_minilm(os.path.join(args.work, "minilm"), args.fixtures)
    texts = texts_for(args.fixtures, args.texts)
    with open(os.path.join(args.work, "texts.json"), "w", encoding="utf-8") as f:
        json.dump(texts, f, ensure_ascii=False)
    figures["prepare_s"] = round(time.perf_counter() - t0, 1)
    mobilenet(figures, args.images)
    jpeg_end_to_end(figures, paths)
    minilm(figures, os.path.join(args.work, "minilm"), texts, args.work)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
