"""Study 03's sweep: one cached training run per (model, configuration, seed), keyed by all its settings."""

from dataclasses import asdict
from pathlib import Path

from helpers.io import atomic_write_json, read_json
from helpers.sentiment.classifier import ClassifierRun, train_classifier
from helpers.sentiment.design import run_key
from helpers.sentiment.reviews import to_dataset


def run_settings(model: str, run: ClassifierRun, seed: int, *, n_train: int, batch_size: int, max_length: int,
                 max_steps: int, dataset: str, steam_app_id: int | None, split_seed: int,
                 validation_size: float, test_size: float, report_to: str = "none") -> dict:
    """Every setting that shapes one training run, the precision it trains in included (the data's
    content is hashed separately)."""
    from helpers.precision import choose_precision

    return {"model": model, "run": asdict(run), "seed": seed, "n_train": n_train, "batch_size": batch_size,
            "precision": choose_precision().dtype_name,
            "max_length": max_length, "max_steps": max_steps, "dataset": dataset,
            "steam_app_id": steam_app_id if dataset == "steam" else None, "split_seed": split_seed,
            "validation_size": validation_size, "test_size": test_size, "report_to": report_to}


def cached_run(runs_dir: Path, settings: dict, train_frame, eval_frames: dict, custom_texts: list[str],
               trainer_dir: Path) -> dict:
    """The saved result of a run with exactly these settings and data, else train it and save it atomically."""
    key = run_key(settings, train_frame, *eval_frames.values())
    path = Path(runs_dir) / f"{key}.json"
    if path.exists() and (saved := read_json(path)).get("key") == key:
        return saved | {"cached": True}
    run = ClassifierRun(**settings["run"])
    result = train_classifier(settings["model"], run, to_dataset(train_frame), eval_frames, trainer_dir,
                              batch_size=settings["batch_size"], seed=settings["seed"],
                              max_steps=settings["max_steps"], max_length=settings["max_length"],
                              custom_texts=custom_texts, report_to=settings["report_to"])
    result |= {"key": key, "n_train": len(train_frame), "settings": settings}
    atomic_write_json(path, result)
    return result | {"cached": False}


def sweep(jobs: list[tuple[dict, object]], eval_frames: dict, runs_dir: Path, custom_texts: list[str],
          trainer_dir: Path) -> list[dict]:
    """Run every (settings, train_frame) job in order with a Spanish progress bar ("ejecución i de N")."""
    from tqdm.auto import tqdm

    results = []
    bar = tqdm(jobs, unit="ejecución")
    for index, (settings, train_frame) in enumerate(bar, start=1):
        bar.set_description(f"ejecución {index} de {len(jobs)}: {settings['run']['name']} · semilla {settings['seed']}")
        results.append(cached_run(runs_dir, settings, train_frame, eval_frames, custom_texts, trainer_dir))
    return results
