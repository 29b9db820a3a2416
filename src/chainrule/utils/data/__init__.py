"""chainrule.utils.data: datasets, samplers and the DataLoader, as ``torch.utils.data``."""

from ._collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (
    ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset, random_split,
)
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
)

__all__ = [
    "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "RandomSampler", "Sampler",
    "SequentialSampler", "Subset", "SubsetRandomSampler", "WeightedRandomSampler", "TensorDataset", "default_collate", "default_convert",
    "random_split", "ChainDataset", "StackDataset", "get_worker_info",
]


def get_worker_info():
    """Information about the DataLoader worker process running this code: None, as chainrule's
    DataLoader loads in the main process."""
    return None
