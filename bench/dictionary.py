"""lang=auto and the dictionary on the real scans (../shared/realscans), folder by folder and
half by half: does lang=auto read as well as lang=eng, how much slower, and does it find English;
would replacing each doubtful word by its first suggestion lower the CER?

Run from the project root: python -m bench.dictionary [--root DIR] [--engine tesseract|auto] [--folders a,b]
It reads in-process through the app (no server); the figures go to docs/decisions/0027.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path
from statistics import mean, median

from app import create_app
from bench import realscans
from bench.score import cer
from ocr.dictionary.suggest import suggestions
from ocr.model.result import Word, join_words
from ocr.reading.cautions import LOW_CONFIDENCE

MIN_WORDS = 20  # the bar for judging the language found


def corrected(words: list[dict], lang: str) -> str:
    """The page's text with each doubtful word replaced by its first suggestion, where it has one."""
    kept = []
    for fields in words:
        word = Word(**fields)
        if word.confidence < LOW_CONFIDENCE[word.engine]:
            first = suggestions(word.text, lang)[:1]
            word = Word(**{**fields, "text": first[0]}) if first else word
        kept.append(word)
    return join_words(tuple(kept))


def read(client, data: bytes, **fields: str) -> dict:
    response = client.post("/ocr", data={"image": (io.BytesIO(data), "upload"), "format": "json", **fields})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def measure(client, item: dict, engine: str) -> dict:
    data = item["path"].read_bytes()
    row = {"file": item["file"], "folder": item["group"]}
    for lang in ("eng", "auto"):
        started = time.perf_counter()
        answer = read(client, data, lang=lang, engine=engine)
        row[f"s_{lang}"] = time.perf_counter() - started
        row[f"cer_{lang}"] = cer(item["text"], answer["text"], caseless=True)
        if lang == "eng":
            row["cer_dictionary"] = cer(item["text"], corrected(answer["words"], "eng"), caseless=True)
            row["words"] = len(answer["words"])
        else:
            row["detected"] = answer.get("detected_lang")
    return row


def summarize(rows: list[dict]) -> dict:
    judged = [row for row in rows if row["words"] >= MIN_WORDS]
    return {
        "pages": len(rows),
        "cer_eng": round(mean(row["cer_eng"] for row in rows), 4),
        "cer_auto": round(mean(row["cer_auto"] for row in rows), 4),
        "cer_dictionary": round(mean(row["cer_dictionary"] for row in rows), 4),
        "dictionary_helps": mean(row["cer_dictionary"] for row in rows) < mean(row["cer_eng"] for row in rows),
        "auto_time_ratio_median": round(median(row["s_auto"] / row["s_eng"] for row in rows), 3),
        "auto_time_ratio_total": round(sum(row["s_auto"] for row in rows) / sum(row["s_eng"] for row in rows), 3),
        "detected_eng": f"{sum(row['detected'] == 'eng' for row in judged)}/{len(judged)}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=realscans.DEFAULT_ROOT)
    parser.add_argument("--engine", default="tesseract", choices=("tesseract", "auto"))
    parser.add_argument("--folders", default=None, help="comma list; all when left out")
    args = parser.parse_args()
    folders = tuple(args.folders.split(",")) if args.folders else None
    with tempfile.TemporaryDirectory() as slots:
        config = {"TESTING": True, "SLOT_DIR": slots, "TIMEOUT_S": 300}
        client = create_app(config if args.engine == "auto" else {**config, "ENGINES": "tesseract"}).test_client()
        # each process loads lingua's models and the dictionary once: not a page's cost
        read(client, realscans.load(args.root)[0]["path"].read_bytes(), lang="auto", engine=args.engine)
        suggestions("warm", "eng")
        summary = {}
        for split in ("tune", "check"):
            rows = [
                measure(client, item, args.engine) for item in realscans.load(args.root, split=split, folders=folders)
            ]
            for folder in dict.fromkeys(row["folder"] for row in rows):
                summary[f"{folder} {split}"] = summarize([row for row in rows if row["folder"] == folder])
                print(f"{folder} {split}", json.dumps(summary[f"{folder} {split}"]), flush=True)
    helps_everywhere = {
        folder: all(s["dictionary_helps"] for key, s in summary.items() if key.split()[0] == folder)
        for folder in dict.fromkeys(key.split()[0] for key in summary)
    }
    print(json.dumps({"engine": args.engine, "dictionary_helps_on_both_halves": helps_everywhere}, indent=1))


if __name__ == "__main__":
    main()
