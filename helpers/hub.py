"""Hub failures said in one line (gated, private, offline) and the repository and revision each load used."""

_LOADED: list[dict] = []


class ModelNotAvailableError(RuntimeError):
    """A model that cannot be loaded here, with what to do about it."""


def _causes(error: BaseException) -> list[BaseException]:
    chain = []
    while error is not None and len(chain) < 8:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


def hub_error(repo: str, error: OSError) -> ModelNotAvailableError:
    """The one-line error for a Hub load that failed: what to do depends on why."""
    names = {type(e).__name__ for e in _causes(error)}
    text = " ".join(str(e) for e in _causes(error)).lower()
    page = f"https://huggingface.co/{repo}"
    if "GatedRepoError" in names or "gated repo" in text:
        return ModelNotAvailableError(
            f"{repo!r} is gated: accept its licence at {page} with your Hugging Face account, then give this "
            "session a token of that account as HF_TOKEN (Colab: the key icon, secret HF_TOKEN with notebook "
            "access; elsewhere the HF_TOKEN environment variable)")
    if "RepositoryNotFoundError" in names or "401" in text or "not a valid model identifier" in text:
        return ModelNotAvailableError(
            f"{repo!r} was not found on the Hugging Face Hub, or it is private: check the id at {page}; for a "
            "private model set HF_TOKEN to a token of an account that can read it (Colab: secret HF_TOKEN)")
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ModelNotAvailableError(
        f"{repo!r} could not be downloaded from the Hugging Face Hub ({reason}): without network use "
        "PROFILE='local' (packaged models), or run where the Hub is reachable")


def _revision(loaded) -> str | None:
    """The commit a from_pretrained load resolved (transformers keeps it on the config)."""
    config = getattr(loaded, "config", None)
    if config is None and hasattr(loaded, "__getitem__"):  # sentence-transformers: its first module's model
        try:
            config = loaded[0].auto_model.config
        except (AttributeError, IndexError, KeyError, TypeError):
            config = None
    return getattr(config, "_commit_hash", None)


def record_load(ref, loaded, **facts) -> dict:
    """Remember what a load used (metrics.json lists it): repository, revision, source and facts."""
    entry = {"model": ref.alias, "source": "twin" if ref.family == "twin" else ref.source,
             "repository": ref.location if ref.source == "hub" else ref.alias,
             "revision": _revision(loaded), **{k: v for k, v in facts.items() if v is not None}}
    if ref.source in ("path", "local"):
        entry["path"] = str(ref.path)
    if entry not in _LOADED:
        _LOADED.append(entry)
    return entry


def loaded_models() -> list[dict]:
    """Every model this process loaded through the helpers, in load order."""
    return [dict(entry) for entry in _LOADED]
