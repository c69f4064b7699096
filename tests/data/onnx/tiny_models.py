"""Tiny PyTorch modules whose ONNX exports are checked in here (README.md beside this file)."""
import torch
from torch import nn


class TinyCnn(nn.Module):
    """conv -> batch norm -> relu -> max pool -> residual conv block -> global pool -> linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = torch.relu(x + self.conv2(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class TinyTopK(nn.Module):
    """A linear layer, the top 4 of its outputs (TopK: an op tpusim does not cost), and another."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 32)
        self.fc2 = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc2(torch.topk(self.fc1(x), 4).values)
