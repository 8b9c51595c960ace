# SPDX-License-Identifier: BSD-3-Clause
"""train.py on PyTorch: the same program, line for line, with PyTorch's
imports in place of ember's; the baseline for comparing wall times.

    python examples/digits/train_torch.py [--epochs N] [--seed S] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

FRAMEWORK = "PyTorch"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a small CNN on scikit-learn's handwritten digits.")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.01, help="the peak learning rate of the one-cycle schedule")
    parser.add_argument("--num-workers", type=int, default=2, help="data-loading worker processes")
    parser.add_argument("--seed", type=int, default=0, help="seeds the split, the weights and the batch order")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent / "output")
    return parser.parse_args(argv)


def load_data(seed: int):
    """The digits as ``[N, 1, 8, 8]`` float images in [0, 1] and int64
    labels: a TensorDataset for training and the test tensors."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]  # pixels are 0..16
    labels = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.2, random_state=seed, stratify=labels
    )
    train_set = TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
    return train_set, torch.from_numpy(x_test), torch.from_numpy(y_test)


def make_model() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1),  # 32 x 8 x 8
        nn.ReLU(),
        nn.MaxPool2d(2),  # 32 x 4 x 4
        nn.Conv2d(32, 64, kernel_size=3, padding=1),  # 64 x 4 x 4
        nn.ReLU(),
        nn.MaxPool2d(2),  # 64 x 2 x 2
        nn.Flatten(),
        nn.Linear(64 * 2 * 2, 128),
        nn.ReLU(),
        nn.Dropout(0.25),  # on in train(), off in eval()
        nn.Linear(128, 10),
    )


def make_optimizer(model: nn.Module, lr: float) -> torch.optim.Optimizer:
    return torch.optim.Adam(model.parameters(), lr=lr)


def train_one_epoch(model, loader, optimizer, scheduler, description: str) -> float:
    """One pass over the training set; returns the mean training loss."""
    model.train()
    total_loss = 0.0
    progress = tqdm(loader, desc=description, unit="batch", leave=False)
    for images, labels in progress:
        loss = nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()  # the one-cycle schedule moves every batch
        batch_loss = loss.item()
        total_loss += batch_loss * len(labels)
        progress.set_postfix(loss=f"{batch_loss:.3f}")
    return total_loss / len(loader.dataset)


@torch.no_grad()
def evaluate(model, images, labels) -> tuple[float, float]:
    """Loss and accuracy on the whole test set, in one batch."""
    model.eval()
    logits = model(images)
    loss = nn.functional.cross_entropy(logits, labels).item()
    accuracy = (logits.argmax(dim=1) == labels).float().mean().item()
    return loss, accuracy


def plot_history(history: dict[str, list[float]], path: Path) -> None:
    epochs = range(1, len(history["train_loss"]) + 1)
    figure = Figure(figsize=(9, 3.5), layout="tight")
    FigureCanvasAgg(figure)  # draws with Agg, to a file: no display needed
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    loss_axes.plot(epochs, history["train_loss"], marker="o", label="train")
    loss_axes.plot(epochs, history["test_loss"], marker="o", label="test")
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    loss_axes.legend()
    accuracy_axes.plot(epochs, [100 * a for a in history["test_accuracy"]], marker="o", color="tab:green")
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy (%)", title="Test accuracy")
    figure.suptitle(f"A small CNN on scikit-learn's digits ({FRAMEWORK})")
    figure.savefig(path, dpi=100)


def readable(path: Path) -> Path:
    """``path`` relative to the working directory when it lies below it."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def main(argv=None) -> None:
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    start = time.perf_counter()

    train_set, test_images, test_labels = load_data(args.seed)
    loader = DataLoader(
        train_set,
        batch_size=args.batch_size,
        shuffle=True,
        num_workers=args.num_workers,
        persistent_workers=args.num_workers > 0,  # start the workers once, not every epoch
        generator=torch.Generator().manual_seed(args.seed),
    )
    print(f"{FRAMEWORK}: {len(train_set)} training and {len(test_labels)} test images, {args.num_workers} workers")

    model = make_model()
    optimizer = make_optimizer(model, args.lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=len(loader)
    )
    history = {"train_loss": [], "test_loss": [], "test_accuracy": []}
    for epoch in range(1, args.epochs + 1):
        train_loss = train_one_epoch(model, loader, optimizer, scheduler, f"epoch {epoch}/{args.epochs}")
        test_loss, test_accuracy = evaluate(model, test_images, test_labels)
        history["train_loss"].append(train_loss)
        history["test_loss"].append(test_loss)
        history["test_accuracy"].append(test_accuracy)
        print(
            f"epoch {epoch:2d}/{args.epochs}  train loss {train_loss:.4f}  "
            f"test loss {test_loss:.4f}  test accuracy {100 * test_accuracy:.2f}%"
        )

    checkpoint_path = args.out_dir / "digits_cnn.pt"
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, checkpoint_path)
    print(f"saved {readable(checkpoint_path)}")

    # A fresh model restored from the file alone gives the same accuracy; the
    # optimizer's state (Adam's moments) is what resuming training would need.
    checkpoint = torch.load(checkpoint_path)
    reloaded = make_model()
    reloaded.load_state_dict(checkpoint["model"])
    make_optimizer(reloaded, args.lr).load_state_dict(checkpoint["optimizer"])
    _, reloaded_accuracy = evaluate(reloaded, test_images, test_labels)
    print(f"reloaded model: test accuracy {100 * reloaded_accuracy:.2f}%")

    plot_path = args.out_dir / "digits_training.png"
    plot_history(history, plot_path)
    print(f"saved {readable(plot_path)}")
    print(f"done in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
