#!/usr/bin/env python3
"""Rebuilds the Hugging Face format fixtures of the hf-text / hf-image parity tests (tests/fixtures/hf/).

  python3 tools/models/hf_fixtures.py corpus [--xed /work/shared/datasets/xed/full.jsonl]
  python3 tools/models/hf_fixtures.py build [--out tests/fixtures/hf]

`corpus` (standard library only) writes tests/fixtures/hf/corpus.txt: lines of XED (CC BY 4.0) in ten
languages plus the fixed sentence set, the text the tokenizers are trained on.

`build` (needs torch, transformers, tokenizers, sentencepiece, sentence-transformers, onnx, onnxruntime,
Pillow: the GPU machine has them; nothing is downloaded, weights are random with a fixed seed) writes:

- bert-wordpiece/: a BERT encoder (2 layers, 32 wide) with a WordPiece tokenizer.json trained as
  bert-base-multilingual-cased's (cased, no accent stripping, CJK characters split), a sentence-transformers
  config with CLS pooling and no normalisation (as LaBSE pools), onnx/model.onnx with Optimum's input names
  (input_ids, attention_mask, token_type_ids) and output last_hidden_state.
- xlmr-unigram/: an XLM-R encoder with a SentencePiece Unigram tokenizer converted as XLM-R's is
  (Precompiled normalizer, Metaspace), sentence-transformers mean pooling + Normalize and max_seq_length 48
  below the tokenizer's 64 (as paraphrase-multilingual-MiniLM-L12-v2 has 128 below 512); inputs input_ids,
  attention_mask.
- clip-vision/: a CLIP vision tower with projection, preprocessor_config.json (CLIPImageProcessor),
  onnx/vision_model.onnx (pixel_values -> image_embeds, last_hidden_state).
- reference.json: the reference tokenizer's ids and masks (one by one, padded as a batch, truncated) and the
  embeddings sentence-transformers / transformers compute in PyTorch (fp32, CPU) for sentences.json and
  images/*.

Each export is checked with onnxruntime against PyTorch on a padded batch of another length than the one
traced (the build fails above 1e-5).
"""
import argparse
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "hf")
SEED = 16


def corpus(xed: str, out: str, per_lang: int = 240) -> None:
    by_lang: dict[str, list[str]] = {}
    with open(xed, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            by_lang.setdefault(row["lang"], []).append(row["text"])
    rng = random.Random(SEED)
    lines: list[str] = []
    for lang in sorted(by_lang):
        texts = sorted(set(by_lang[lang]))
        rng.shuffle(texts)
        lines.extend(texts[:per_lang])
    with open(os.path.join(FIXTURES, "sentences.json"), encoding="utf-8") as f:
        sentences = [s["text"] for s in json.load(f)["sentences"]]
    # The sentences of scripts XED lacks, a few times each, so their pieces make it into the vocabularies.
    lines.extend(" ".join(s.split()) for s in sentences for _ in range(3))
    with open(out, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line.replace("\n", " ").strip() + "\n")
    print(f"{out}: {len(lines)} lines, {len(by_lang)} XED languages")


def build(out: str) -> None:
    import numpy as np
    import onnxruntime as ort
    import torch
    import transformers
    from PIL import Image

    torch.manual_seed(SEED)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "corpus.txt"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    with open(os.path.join(out, "sentences.json"), encoding="utf-8") as f:
        sentences = [s["text"] for s in json.load(f)["sentences"]]

    reference: dict = {
        "about": "PyTorch's own outputs for sentences.json and images/ (tools/models/hf_fixtures.py build)",
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": ort.__version__,
        },
        "sentences": sentences,
    }
    reference["bert-wordpiece"] = build_bert(os.path.join(out, "bert-wordpiece"), lines, sentences)
    reference["xlmr-unigram"] = build_xlmr(os.path.join(out, "xlmr-unigram"), lines, sentences)
    reference["clip-vision"] = build_clip(os.path.join(out, "clip-vision"), os.path.join(out, "images"))
    try:
        import sentence_transformers

        reference["versions"]["sentence_transformers"] = sentence_transformers.__version__
    except ImportError:
        pass
    import tokenizers

    reference["versions"]["tokenizers"] = tokenizers.__version__
    with open(os.path.join(out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, ensure_ascii=False, separators=(",", ":"))
    total = 0
    for dirpath, _, files in os.walk(out):
        for name in files:
            total += os.path.getsize(os.path.join(dirpath, name))
    print(f"fixtures in {out}: {total / 1e6:.2f} MB")


def floats(t) -> list:
    return [[float(f"{v:.8g}") for v in row] for row in t.detach().cpu().float().numpy().tolist()]


def write_card(folder: str, name: str, like: str) -> None:
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as f:
        f.write(
            "---\nlicense: cc-by-4.0\nlibrary_name: sentence-transformers\n---\n"
            f"# {name}\n\nA test fixture shaped like {like}: random weights (seed {SEED}), a vocabulary trained on "
            "tests/fixtures/hf/corpus.txt (XED lines, CC BY 4.0, Öhman et al. 2020, and the project's own "
            "sentences). Built by tools/models/hf_fixtures.py; its embeddings mean nothing.\n"
        )


def tokenize_reference(tok, sentences: list[str], max_length: int) -> dict:
    """Ids one by one (untruncated and truncated) and as one padded, truncated batch."""
    single = [tok(s, truncation=False)["input_ids"] for s in sentences]
    truncated = [tok(s, truncation=True, max_length=max_length)["input_ids"] for s in sentences]
    batch = tok(sentences, padding=True, truncation=True, max_length=max_length)
    out = {
        "max_length": max_length,
        "ids": single,
        "ids_truncated": truncated,
        "batch_input_ids": batch["input_ids"],
        "batch_attention_mask": batch["attention_mask"],
        "tokens": [tok.convert_ids_to_tokens(ids) for ids in truncated],
    }
    if "token_type_ids" in batch:
        out["batch_token_type_ids"] = batch["token_type_ids"]
    return out


def export_text(model, folder: str, names: list[str], sample: dict, check: dict) -> str:
    import numpy as np
    import onnxruntime as ort
    import torch

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, *args):
            return self.m(**dict(zip(names, args))).last_hidden_state

    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    path = os.path.join(folder, "onnx", "model.onnx")
    args = tuple(torch.tensor(sample[n]) for n in names)
    dyn = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    dyn["last_hidden_state"] = {0: "batch_size", 1: "sequence_length"}
    how = export(Wrap(model).eval(), args, path, names, ["last_hidden_state"], dyn)
    with torch.no_grad():
        want = model(**{n: torch.tensor(check[n]) for n in names}).last_hidden_state.numpy()
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = sess.run(None, {n: np.array(check[n], dtype=np.int64) for n in names})[0]
    mask = np.array(check["attention_mask"])[..., None]
    diff = float(np.abs((got - want) * mask).max())
    print(f"{path}: exported ({how}), onnxruntime vs PyTorch max |diff| {diff:.2e} on shape {got.shape}")
    if diff > 1e-5:
        raise SystemExit(f"export of {path} disagrees with PyTorch: {diff}")
    return path


def export(module, args, path, inputs, outputs, dyn) -> str:
    import torch

    try:
        torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dyn,
                          opset_version=17, do_constant_folding=True, dynamo=False)
        return "torchscript exporter, opset 17"
    except Exception as err:  # the legacy exporter may be gone from this torch
        print(f"legacy exporter failed ({err!r}); trying dynamo", file=sys.stderr)
    torch.onnx.export(module, args, path, input_names=inputs, output_names=outputs, dynamic_axes=dyn,
                      opset_version=18, dynamo=True, external_data=False)
    return "dynamo exporter, opset 18"


def st_model(folder: str, hf_folder: str, max_seq_length: int, pooling: str, normalize: bool):
    from sentence_transformers import SentenceTransformer, models

    transformer = models.Transformer(hf_folder, max_seq_length=max_seq_length,
                                     model_args={"attn_implementation": "eager"})
    modules = [transformer, models.Pooling(transformer.get_word_embedding_dimension(), pooling_mode=pooling)]
    if normalize:
        modules.append(models.Normalize())
    st = SentenceTransformer(modules=modules, device="cpu")
    st.save(folder)
    return SentenceTransformer(folder, device="cpu")


def build_bert(folder: str, lines: list[str], sentences: list[str]) -> dict:
    import shutil

    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import AutoModel, BertConfig, BertModel, PreTrainedTokenizerFast

    shutil.rmtree(folder, ignore_errors=True)
    tmp = folder + ".hf"
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False,
                                                lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=3000, special_tokens=special))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece(prefix="##")
    max_len = 64
    kwargs = dict(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                  sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_len, do_lower_case=False)
    try:
        from transformers import BertTokenizerFast

        hf_tok = BertTokenizerFast(**kwargs)
    except Exception as err:
        print(f"BertTokenizerFast(tokenizer_object=...) failed ({err!r}); using PreTrainedTokenizerFast")
        hf_tok = PreTrainedTokenizerFast(**kwargs)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=max_len, type_vocab_size=2)
    model = BertModel(config, add_pooling_layer=False)
    model.save_pretrained(tmp)
    hf_tok.save_pretrained(tmp)
    st = st_model(folder, tmp, max_len, "cls", False)
    shutil.rmtree(tmp)
    hf_tok = st.tokenizer
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval()
    ref = tokenize_reference(hf_tok, sentences, max_len)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    sample = hf_tok(sentences[:3], padding=True)
    check = hf_tok(sentences, padding=True, truncation=True, max_length=max_len)
    export_text(model, folder, names, dict(sample), dict(check))
    with torch.no_grad():
        ref["embeddings"] = floats(st.encode(sentences, convert_to_tensor=True, batch_size=64))
        enc = hf_tok(sentences, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        states = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        ref["embeddings_mean"] = floats((states * mask).sum(1) / mask.sum(1))
    ref["pooling"] = "cls"
    ref["normalize"] = False
    write_card(folder, "bert-wordpiece", "bert-base-multilingual-cased (CLS pooling as LaBSE)")
    return ref


def sentencepiece_tokenizer(folder: str, lines: list[str], max_len: int):
    """A Unigram SentencePiece model trained on `lines`, converted to a fast tokenizer as XLM-R's is."""
    import sentencepiece as spm

    os.makedirs(folder, exist_ok=True)
    text = os.path.join(folder, "corpus.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    prefix = os.path.join(folder, "sentencepiece.bpe")
    spm.SentencePieceTrainer.train(input=text, model_prefix=prefix, vocab_size=4000, model_type="unigram",
                                   character_coverage=0.9995, hard_vocab_limit=False, seed_sentencepiece_size=200000,
                                   num_threads=8, normalization_rule_name="nmt_nfkc", minloglevel=2)
    os.remove(text)
    try:
        from transformers import XLMRobertaTokenizerFast

        tok = XLMRobertaTokenizerFast(vocab_file=prefix + ".model", model_max_length=max_len)
        if tok.backend_tokenizer.normalizer is None:
            raise ValueError("the converted tokenizer has no normalizer")
        return tok, prefix + ".model"
    except Exception as err:
        print(f"XLMRobertaTokenizerFast(vocab_file=...) failed ({err!r}); converting by hand")
    return convert_spm(prefix + ".model", max_len), prefix + ".model"


def convert_spm(model_file: str, max_len: int):
    """What transformers' XLMRobertaConverter does: fairseq's ids, Precompiled normalizer, Metaspace."""
    from sentencepiece import sentencepiece_model_pb2 as pb
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    m = pb.ModelProto()
    with open(model_file, "rb") as f:
        m.ParseFromString(f.read())
    vocab = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [(p.piece, p.score) for p in m.pieces[3:]] + [("<mask>", 0.0)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(m.normalizer_spec.precompiled_charsmap),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
                                                       special_tokens=[("<s>", 0), ("</s>", 2)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                   sep_token="</s>", cls_token="<s>", pad_token="<pad>", mask_token="<mask>",
                                   model_max_length=max_len)


def build_xlmr(folder: str, lines: list[str], sentences: list[str]) -> dict:
    import shutil

    import sentencepiece as spm
    import torch
    from transformers import AutoModel, XLMRobertaConfig, XLMRobertaModel

    shutil.rmtree(folder, ignore_errors=True)
    tmp = folder + ".hf"
    tok_len, seq_len = 64, 48
    hf_tok, spm_path = sentencepiece_tokenizer(tmp, lines, tok_len)
    # The converted tokenizer must agree with SentencePiece itself (fairseq offset: ids + 1, <s> </s> around).
    sp = spm.SentencePieceProcessor(model_file=spm_path)
    bad = 0
    for s in sentences:
        want = [0] + [i + 1 if i > 0 else 3 for i in sp.encode(s)] + [2]
        if hf_tok(s)["input_ids"] != want:
            bad += 1
    print(f"xlmr-unigram: fast tokenizer vs sentencepiece: {len(sentences) - bad}/{len(sentences)} sentences agree")
    os.remove(spm_path)
    os.remove(spm_path.replace(".model", ".vocab"))
    config = XLMRobertaConfig(vocab_size=len(hf_tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                              intermediate_size=64, max_position_embeddings=tok_len + 2, type_vocab_size=1,
                              pad_token_id=1, bos_token_id=0, eos_token_id=2)
    model = XLMRobertaModel(config, add_pooling_layer=False)
    model.save_pretrained(tmp)
    hf_tok.save_pretrained(tmp)
    st = st_model(folder, tmp, seq_len, "mean", True)
    shutil.rmtree(tmp)
    hf_tok = st.tokenizer
    for extra in ("sentencepiece.bpe.model",):
        p = os.path.join(folder, extra)
        if os.path.exists(p):
            os.remove(p)
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval()
    ref = tokenize_reference(hf_tok, sentences, seq_len)
    names = ["input_ids", "attention_mask"]
    sample = hf_tok(sentences[:3], padding=True)
    check = hf_tok(sentences, padding=True, truncation=True, max_length=seq_len)
    export_text(model, folder, names, {n: sample[n] for n in names}, {n: check[n] for n in names})
    with torch.no_grad():
        ref["embeddings"] = floats(st.encode(sentences, convert_to_tensor=True, batch_size=64))
    ref["pooling"] = "mean"
    ref["normalize"] = True
    write_card(folder, "xlmr-unigram", "paraphrase-multilingual-MiniLM-L12-v2 (XLM-R tokenizer, mean pooling)")
    return ref


def make_images(folder: str) -> list[str]:
    """Deterministic test images: four 32x32 PNGs (no resize in the processor), two of other sizes."""
    import numpy as np
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(SEED)
    y, x = np.mgrid[0:32, 0:32]
    arrays = {
        "gradient.png": np.stack([x * 8, y * 8, (x + y) * 4], -1),
        "noise.png": rng.integers(0, 256, (32, 32, 3)),
        "checker.png": np.stack([((x // 4 + y // 4) % 2) * 255] * 3, -1),
        "disc.png": np.stack([((x - 16) ** 2 + (y - 12) ** 2 < 90) * 220, y * 6, 255 - x * 7], -1),
    }
    names = []
    for name, a in arrays.items():
        Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB").save(os.path.join(folder, name))
        names.append(name)
    yy, xx = np.mgrid[0:40, 0:48]
    wide = np.stack([xx * 5, (yy * 6) % 256, ((xx * yy) % 97) * 2], -1).clip(0, 255).astype(np.uint8)
    Image.fromarray(wide, "RGB").save(os.path.join(folder, "wide_48x40.png"))
    names.append("wide_48x40.png")
    photo = rng.integers(0, 256, (12, 16, 3)).astype(np.uint8)
    Image.fromarray(photo, "RGB").resize((64, 48), Image.BICUBIC).save(os.path.join(folder, "photo_64x48.jpg"),
                                                                        quality=90)
    names.append("photo_64x48.jpg")
    return names


def build_clip(folder: str, images_dir: str) -> dict:
    import shutil

    import numpy as np
    import onnxruntime as ort
    import torch
    from PIL import Image
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    shutil.rmtree(folder, ignore_errors=True)
    names = make_images(images_dir)
    config = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                              image_size=32, patch_size=8, projection_dim=16)
    model = CLIPVisionModelWithProjection(config).eval()
    model.save_pretrained(folder)
    processor = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    processor.save_pretrained(folder)
    model = CLIPVisionModelWithProjection.from_pretrained(folder, attn_implementation="eager").eval()
    processor = CLIPImageProcessor.from_pretrained(folder)
    images = [Image.open(os.path.join(images_dir, n)).convert("RGB") for n in names]
    pixels = processor(images=images, return_tensors="pt")["pixel_values"]

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, pixel_values):
            o = self.m(pixel_values=pixel_values)
            return o.image_embeds, o.last_hidden_state

    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    path = os.path.join(folder, "onnx", "vision_model.onnx")
    dyn = {"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"}, "last_hidden_state": {0: "batch_size"}}
    how = export(Wrap(model).eval(), (pixels[:2],), path, ["pixel_values"], ["image_embeds", "last_hidden_state"], dyn)
    with torch.no_grad():
        out = model(pixel_values=pixels)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = sess.run(["image_embeds"], {"pixel_values": pixels.numpy()})[0]
    diff = float(np.abs(got - out.image_embeds.numpy()).max())
    print(f"{path}: exported ({how}), onnxruntime vs PyTorch max |diff| {diff:.2e}")
    if diff > 1e-5:
        raise SystemExit(f"export of {path} disagrees with PyTorch: {diff}")
    write_card(folder, "clip-vision", "Xenova/clip-vit-base-patch32's vision tower")
    return {
        "images": names,
        "exact_size": [n for n in names if Image.open(os.path.join(images_dir, n)).size == (32, 32)],
        "image_embeds": floats(out.image_embeds),
        "cls_state": floats(out.last_hidden_state[:, 0, :]),
        "pixel_sums": [float(p.sum()) for p in pixels],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["corpus", "build"])
    parser.add_argument("--xed", default="/work/shared/datasets/xed/full.jsonl")
    parser.add_argument("--out", default=FIXTURES)
    args = parser.parse_args()
    if args.command == "corpus":
        corpus(args.xed, os.path.join(FIXTURES, "corpus.txt"))
    else:
        build(args.out)


if __name__ == "__main__":
    main()
