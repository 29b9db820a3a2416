"""utils.data against torch.utils.data: same batches, same collate results, same errors."""

import collections

import numpy as np
import pytest
import torch

import chainrule


def _both(fn):
    return fn(chainrule), fn(torch)


def _same(a, b):
    """Recursively compare a chainrule structure with a torch one (types, dtypes, values)."""
    if isinstance(b, torch.Tensor):
        assert isinstance(a, chainrule.Tensor)
        assert str(a.dtype) == str(b.dtype) and tuple(a.shape) == tuple(b.shape)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(b, dict):
        assert type(a).__name__ == type(b).__name__ and list(a) == list(b)
        for k in b:
            _same(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a).__name__ == type(b).__name__ and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b


def _dataset(lib):
    x = lib.arange(20, dtype=lib.float32).reshape(10, 2)
    y = lib.arange(10)
    return lib.utils.data.TensorDataset(x, y)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_batches_and_len_match_pytorch(batch_size, drop_last):
    def run(lib):
        loader = lib.utils.data.DataLoader(_dataset(lib), batch_size=batch_size, drop_last=drop_last)
        return len(loader), list(loader)

    (n_c, b_c), (n_t, b_t) = _both(run)
    assert n_c == n_t
    _same(b_c, b_t)


def test_no_batching_with_batch_size_none_matches_pytorch():
    c, t = _both(lambda lib: list(lib.utils.data.DataLoader(_dataset(lib), batch_size=None)))
    _same(c, t)


@pytest.mark.parametrize(
    "samples",
    [
        [(1, 2.0, "a"), (3, 4.5, "b")],
        [{"x": np.ones(3, np.float32), "y": 1}, {"x": np.zeros(3, np.float32), "y": 2}],
        [np.float64(1.5), np.float64(2.5)],
        [np.arange(4, dtype=np.int32).reshape(2, 2)] * 3,
        [[1, 2], [3, 4]],
        [True, False],
        [collections.OrderedDict(a=1.0, b=(2, 3)), collections.OrderedDict(a=4.0, b=(5, 6))],
    ],
    ids=["tuples", "dict-numpy", "numpy-scalars", "int32-arrays", "lists", "bools", "ordereddict"],
)
def test_default_collate_matches_pytorch(samples):
    c, t = _both(lambda lib: lib.utils.data.default_collate(samples))
    _same(c, t)


def test_default_collate_stacks_tensors_and_namedtuples():
    point = collections.namedtuple("Point", "x y")

    def run(lib):
        return lib.utils.data.default_collate([point(lib.tensor([1.0]), 2), point(lib.tensor([3.0]), 4)])

    c, t = _both(run)
    assert type(c).__name__ == "Point"
    _same(c.x, t.x)
    _same(c.y, t.y)


@pytest.mark.parametrize("bad", [[object(), object()], [[1, 2], [3]]])
def test_default_collate_errors_match_pytorch(bad):
    errors = []
    for lib in (chainrule, torch):
        with pytest.raises((TypeError, RuntimeError)) as info:
            lib.utils.data.default_collate(bad)
        errors.append((info.type, str(info.value)))
    assert errors[0] == errors[1]


def test_shuffle_with_a_generator_is_a_reproducible_permutation():
    def epoch(seed):
        g = chainrule.Generator().manual_seed(seed)
        loader = chainrule.utils.data.DataLoader(_dataset(chainrule), batch_size=4, shuffle=True, generator=g)
        return [int(i) for _, y in loader for i in y]

    a, b, c = epoch(0), epoch(0), epoch(1)
    assert sorted(a) == list(range(10)) and a == b and a != c


def test_shuffle_draws_a_new_order_each_epoch():
    g = chainrule.Generator().manual_seed(0)
    loader = chainrule.utils.data.DataLoader(_dataset(chainrule), batch_size=10, shuffle=True, generator=g)
    first, second = [b[1].tolist() for b in loader], [b[1].tolist() for b in loader]
    assert first != second


def test_custom_collate_fn_and_sampler_errors():
    loader = chainrule.utils.data.DataLoader(list(range(5)), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(loader) == [1, 5, 4]
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="mutually exclusive"):
            lib.utils.data.DataLoader(list(range(5)), sampler=[0, 1], shuffle=True)


def test_iterable_dataset_batches_match_pytorch():
    def run(lib):
        class Stream(lib.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(7))

        return list(lib.utils.data.DataLoader(Stream(), batch_size=3))

    c, t = _both(run)
    _same(c, t)


def test_subset_concat_and_random_split_lengths_match_pytorch():
    def run(lib):
        ds = _dataset(lib)
        sub = lib.utils.data.Subset(ds, [3, 1, 4])
        cat = lib.utils.data.ConcatDataset([ds, sub])
        g = lib.Generator().manual_seed(0)
        parts = lib.utils.data.random_split(ds, [0.5, 0.3, 0.2], generator=g)
        parts2 = lib.utils.data.random_split(range(11), [0.34, 0.33, 0.33], generator=g)
        return len(sub), sub[1], len(cat), cat[11], cat[-1], [len(p) for p in parts], [len(p) for p in parts2]

    c, t = _both(run)
    for x, y in zip(c, t, strict=True):
        _same(x, y)


def test_random_split_is_a_partition_and_checks_lengths():
    g = chainrule.Generator().manual_seed(3)
    parts = chainrule.utils.data.random_split(range(10), [3, 7], generator=g)
    assert sorted(list(parts[0]) + list(parts[1])) == list(range(10))
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
            lib.utils.data.random_split(range(10), [3, 3])


def test_tensor_dataset_size_mismatch_raises_like_pytorch():
    for lib in (chainrule, torch):
        with pytest.raises(AssertionError, match="Size mismatch between tensors"):
            lib.utils.data.TensorDataset(lib.zeros(3), lib.zeros(4))


def test_weighted_random_sampler_follows_the_weights():
    g = chainrule.Generator().manual_seed(0)
    sampler = chainrule.utils.data.WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=4000, generator=g)
    counts = np.bincount(list(sampler), minlength=3)
    assert len(sampler) == 4000 and counts[0] == 0 and 2.6 < counts[2] / counts[1] < 3.4
    unique = list(chainrule.utils.data.WeightedRandomSampler(chainrule.ones(5), 5, replacement=False, generator=g))
    assert sorted(unique) == [0, 1, 2, 3, 4]
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
            lib.utils.data.WeightedRandomSampler([1.0], 0)


def test_batch_sampler_and_subset_random_sampler_drive_a_loader():
    g = chainrule.Generator().manual_seed(0)
    sampler = chainrule.utils.data.SubsetRandomSampler([1, 3, 5, 7], generator=g)
    batches = chainrule.utils.data.BatchSampler(sampler, batch_size=3, drop_last=False)
    loader = chainrule.utils.data.DataLoader(_dataset(chainrule), batch_sampler=batches)
    ys = [y.tolist() for _, y in loader]
    assert len(loader) == 2 and [len(y) for y in ys] == [3, 1] and sorted(sum(ys, [])) == [1, 3, 5, 7]
    assert list(chainrule.utils.data.BatchSampler(range(5), 2, True)) == list(torch.utils.data.BatchSampler(range(5), 2, True))
