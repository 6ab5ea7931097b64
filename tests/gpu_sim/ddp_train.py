"""Run by torchrun in tests/gpu_sim/test_ddp.py: the training helpers, unchanged, on a tiny Qwen2 under DDP."""

import os
import sys

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

from helpers.env import set_hub_offline
from helpers.models import load_tokenizer
from helpers.training import lora_config, save_adapter, sft_config, train_lora

set_hub_offline(True)
out = sys.argv[1]
torch.set_num_threads(1)
tokenizer = load_tokenizer("qwen2.5-coder-0.5b-instruct")
torch.manual_seed(0)  # same initial weights on every rank, as from_pretrained would give
model = Qwen2ForCausalLM(Qwen2Config(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                     num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                     eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id))
rows = [{"prompt": [{"role": "user", "content": f"Dime el número {i}"}],
         "completion": [{"role": "assistant", "content": f"El número es {i * 7}."}]} for i in range(16)]
config = sft_config(f"{out}/trainer", max_steps=3, batch_size=2, grad_accum=1, learning_rate=1e-2, max_length=48)
tuned, history = train_lora(model, tokenizer, rows, config, lora_config(model, r=4, alpha=8))
state = {name: value.detach().cpu() for name, value in tuned.state_dict().items() if "lora_" in name}
rank = int(os.environ["RANK"])
torch.save({"state": state, "world_size": config.world_size, "find_unused": config.ddp_find_unused_parameters,
            "losses": [h["loss"] for h in history]}, f"{out}/rank{rank}.pt")
save_adapter(tuned, f"{out}/adapter", {"rank_that_wrote": rank})
