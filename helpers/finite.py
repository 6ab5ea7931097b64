"""Stop in one sentence when a model's numbers overflow (NaN or infinity), before any metric is written."""

import math


class NonFiniteError(RuntimeError):
    """A forward pass or a training loss that is NaN or infinite."""


def guard_finite(model, name: str) -> bool:
    """On fp16 weights (GPUs before compute capability 8.0), check every output-head result and raise
    NonFiniteError at the first NaN/inf; True if the guard was installed. One device sync per forward."""
    import torch

    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if head is None or getattr(model, "dtype", None) != torch.float16:
        return False

    def check(_module, _inputs, output):
        if not bool(torch.isfinite(output).all()):
            raise NonFiniteError(f"{name} dio NaN o infinito en float16 (desborda en esta GPU): se detiene "
                                 "sin escribir métricas; usa una GPU con bf16 (capacidad 8.0) o cárgalo en float32")

    head.register_forward_hook(check)
    return True


def check_losses(history: list[dict], name: str) -> None:
    """Raise NonFiniteError when a logged training loss is NaN or infinite."""
    for entry in history:
        if not math.isfinite(float(entry["loss"])):
            raise NonFiniteError(f"el entrenamiento de {name} dio una pérdida {entry['loss']} en el paso "
                                 f"{entry['step']}: se detiene sin guardar el adaptador; prueba otra precisión "
                                 "o una tasa de aprendizaje menor")


def finite_loss_callback(name: str):
    """A TrainerCallback that stops training at the first non-finite logged loss, with NonFiniteError."""
    from transformers import TrainerCallback

    class FiniteLoss(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                check_losses([{"step": state.global_step, "loss": logs["loss"]}], name)

    return FiniteLoss()
