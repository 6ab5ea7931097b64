"""Study 1: generation constrained to the catalogue, via a prefix trie over tokenised titles.

The list continues a prompt that ends in "1.": each item is " <catalogue title>\\n" followed by the
next number ("2."), so every recommended title exists and none repeats."""

import time


class TitleTrie:
    """Token-id prefix trie of " <title>\\n" for every catalogue title; each node knows the titles below it."""

    def __init__(self, tokenizer, titles: list[str]):
        self.titles = list(dict.fromkeys(titles))
        self.children: list[dict[int, int]] = [{}]  # node -> {token id: child node}
        self.below: list[set[int]] = [set()]  # node -> indices of the titles through it
        self.leaf: dict[int, int] = {}  # node -> title index ending there
        for index, title in enumerate(self.titles):
            node = 0
            self.below[0].add(index)
            for token in tokenizer(" " + title + "\n", add_special_tokens=False)["input_ids"]:
                if token not in self.children[node]:
                    self.children[node][token] = len(self.children)
                    self.children.append({})
                    self.below.append(set())
                node = self.children[node][token]
                self.below[node].add(index)
            self.leaf[node] = index

    def allowed(self, node: int, used: set[int]) -> list[int]:
        """Next tokens from node that still lead to a title not used yet."""
        return [token for token, child in self.children[node].items() if self.below[child] - used]


class CatalogueConstraint:
    """A transformers LogitsProcessor: after the prompt, only catalogue titles (each once), each followed
    by the next item number, and the end of text after n titles."""

    def __init__(self, trie: TitleTrie, tokenizer, prompt_length: int, n: int = 10):
        self.trie, self.prompt_length, self.n = trie, prompt_length, n
        self.markers = [tokenizer(f"{k}.", add_special_tokens=False)["input_ids"] for k in range(2, n + 1)]
        self.eos = tokenizer.eos_token_id

    def state(self, generated: list[int]) -> list[int]:
        """The tokens allowed after the generated ones (replayed from the start: stateless, batch-safe)."""
        node, used, marker, position = 0, set(), None, 0
        for token in generated:
            if marker is not None:  # inside a forced "k." marker
                position += 1
                if position == len(marker):
                    marker, node = None, 0
                continue
            node = self.trie.children[node].get(token)
            if node is None:  # the end of text or padding after the last title
                return [self.eos]
            if node in self.trie.leaf:
                used.add(self.trie.leaf[node])
                if len(used) == self.n:
                    return [self.eos]
                marker, position = self.markers[len(used) - 1], 0
        if marker is not None:
            return [marker[position]]
        return self.trie.allowed(node, used) or [self.eos]

    def __call__(self, input_ids, scores):
        import torch

        mask = torch.full_like(scores, float("-inf"))
        for row, ids in enumerate(input_ids.tolist()):
            mask[row, self.state(ids[self.prompt_length:])] = 0
        return scores + mask


def constrained_lists(model, tokenizer, trie: TitleTrie, prompts: list[str], n: int = 10, max_new_tokens: int = 120,
                      temperature: float = 0.0):
    """Lists continuing prompts that end in "1.", constrained to the catalogue; (texts, seconds, new tokens)."""
    import torch
    from transformers import LogitsProcessorList

    start = time.perf_counter()
    encoded = tokenizer(prompts, return_tensors="pt", padding=True, padding_side="left").to(model.device)
    constraint = CatalogueConstraint(trie, tokenizer, encoded["input_ids"].shape[1], n)
    sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
    with torch.inference_mode():
        output = model.generate(**encoded, max_new_tokens=max_new_tokens, logits_processor=LogitsProcessorList([constraint]),
                                pad_token_id=tokenizer.pad_token_id, **sampling)
    new = output[:, encoded["input_ids"].shape[1]:]
    texts = ["1." + t for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
    tokens = int((new != tokenizer.pad_token_id).sum())
    return texts, time.perf_counter() - start, tokens
