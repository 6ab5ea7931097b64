"""trl's fused LM head on any device and trl version: before trl 1.16 its per-token log-probabilities
always ran a Triton kernel, which fails on a CPU wherever Triton is installed (the unsloth step installs
it); there the same quantities come from a plain torch computation."""


def plain_logprob(hidden, weight, bias, targets, temperature, chunk_size, final_logit_softcapping=None,
                  logit_scale=1.0, outputs=("log_probs",)):
    """What trl's _ChunkedLogProbFunction.apply returns (log-probs, entropy, log sum of squared probs, mean
    logit, target is top-1), from the full logits of these positions; autograd gives the gradients."""
    import torch

    compute = torch.get_autocast_dtype(hidden.device.type) if torch.is_autocast_enabled(hidden.device.type) \
        else hidden.dtype
    z = torch.nn.functional.linear(hidden.to(compute), weight.to(compute),
                                   None if bias is None else bias.to(compute)).float() * logit_scale
    if final_logit_softcapping is not None:
        z = final_logit_softcapping * torch.tanh(z / final_logit_softcapping)
    z = z / temperature
    log_z = torch.logsumexp(z, dim=-1)
    logprobs = z.gather(1, targets[:, None])[:, 0] - log_z
    probs = torch.softmax(z, dim=-1)
    entropy = log_z - (probs * z).sum(-1) if "entropy" in outputs else None
    log_sum_sq = torch.log((probs.detach() ** 2).sum(-1)) if "log_sum_sq_probs" in outputs else None
    mean_logits = z.detach().mean(-1) if "mean_logits" in outputs else None
    is_top1 = z.detach().argmax(-1) == targets if "is_top1" in outputs else None
    return logprobs, entropy, log_sum_sq, mean_logits, is_top1


def kernel_on_any_device() -> bool:
    """On a trl whose fused head knows no device but Triton's (< 1.16), send non-GPU tensors to
    plain_logprob; True when that was needed (or already done)."""
    try:
        import trl.trainer.utils as trl_utils
    except ImportError:
        return False
    kernel = getattr(trl_utils, "_ChunkedLogProbFunction", "absent")
    if kernel == "absent" or hasattr(trl_utils, "_use_triton"):  # no fused head, or one that checks devices
        return False
    if getattr(kernel, "llm_studies_any_device", False):
        return True

    class OnAnyDevice:
        llm_studies_any_device = True

        @staticmethod
        def apply(hidden, *args):
            if kernel is not None and hidden.device.type in ("cuda", "xpu"):
                return kernel.apply(hidden, *args)
            return plain_logprob(hidden, *args)

    trl_utils._ChunkedLogProbFunction = OnAnyDevice
    return True
