"""A model's weights as NumPy arrays, from ``model.safetensors`` or PyTorch's ``pytorch_model.bin``.

No PyTorch is needed. A ``.bin`` file is a zip of a pickle that names the tensors and raw storage
files; it is read with an unpickler that knows only the few names such a file uses, so a file
that asks for anything else is refused instead of run (pickle would otherwise run code).
"""

from __future__ import annotations

import json
import pickle
import struct
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Weights = dict[str, np.ndarray]


class CheckpointError(ValueError):
    """The model's weights cannot be read (the message says why)."""


_SAFETENSORS_DTYPES: dict[str, np.dtype[Any]] = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_TORCH_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "HalfStorage": np.dtype("<f2"),
    "DoubleStorage": np.dtype("<f8"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
    "BFloat16Storage": np.dtype("<u2"),  # widened to float32 below
}


def _bfloat16(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.uint32) << 16).view(np.float32)


def load_weights(folder: Path) -> Weights:
    """Every tensor of the model in ``folder``, float tensors as float32."""
    safe = folder / "model.safetensors"
    if safe.exists():
        return _safetensors(safe)
    torch_file = folder / "pytorch_model.bin"
    if torch_file.exists():
        return _torch_zip(torch_file)
    raise CheckpointError(f"no model.safetensors or pytorch_model.bin in {folder}")


def _safetensors(path: Path) -> Weights:
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    weights: Weights = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        if spec["dtype"] == "BF16":
            raw = np.frombuffer(data, np.dtype("<u2"), (end - begin) // 2, base + begin)
            array = _bfloat16(raw)
        elif spec["dtype"] in _SAFETENSORS_DTYPES:
            dtype = _SAFETENSORS_DTYPES[spec["dtype"]]
            array = np.frombuffer(data, dtype, (end - begin) // dtype.itemsize, base + begin)
        else:
            raise CheckpointError(f"{path.name}: tensor {name} has type {spec['dtype']}")
        weights[name] = _as_float32(array.reshape(spec["shape"]))
    return weights


def _as_float32(array: np.ndarray) -> np.ndarray:
    return array.astype(np.float32) if array.dtype.kind == "f" else np.array(array)


class _StorageType:
    def __init__(self, name: str) -> None:
        self.name = name


def _rebuild_tensor(
    storage: np.ndarray, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any
) -> np.ndarray:
    # as_strided trusts its arguments: a file claiming more than its storage holds would read
    # memory outside it. The last element a view reaches must lie inside the storage.
    numbers = (offset, *size, *stride)
    if not all(isinstance(n, int) and n >= 0 for n in numbers) or len(size) != len(stride):
        raise CheckpointError(f"a tensor's layout is not valid: {size} {stride} at {offset}")
    if 0 in size:
        return np.zeros(size, storage.dtype)
    last = offset + sum((n - 1) * step for n, step in zip(size, stride, strict=True))
    if last >= len(storage):
        raise CheckpointError(f"a tensor reaches past its storage ({last} >= {len(storage)})")
    if not size:
        return storage[offset : offset + 1].reshape(())
    strides = tuple(s * storage.itemsize for s in stride)
    view = np.lib.stride_tricks.as_strided(storage[offset:], shape=size, strides=strides)
    return np.array(view)


def _rebuild_parameter(tensor: np.ndarray, *_: Any) -> np.ndarray:
    return tensor


def _torch_zip(path: Path) -> Weights:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if not pickles:
            raise CheckpointError(f"{path.name}: not a zip checkpoint (saved by an old PyTorch?)")
        root = pickles[0][: -len("data.pkl")]

        def storage(pid: tuple[Any, ...]) -> np.ndarray:
            kind, storage_type, key, _location, _numel = pid
            if kind != "storage" or not isinstance(storage_type, _StorageType):
                raise CheckpointError(f"{path.name}: unexpected storage {pid!r}")
            raw = archive.read(f"{root}data/{key}")
            dtype = _TORCH_DTYPES[storage_type.name]
            array = np.frombuffer(raw, dtype)
            return _bfloat16(array) if storage_type.name == "BFloat16Storage" else array

        allowed: dict[tuple[str, str], Callable[..., Any]] = {
            ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
            ("collections", "OrderedDict"): OrderedDict,
        }

        class Restricted(pickle.Unpickler):
            def find_class(self, module: str, name: str) -> Any:
                if module == "torch" and name in _TORCH_DTYPES:
                    return _StorageType(name)
                found = allowed.get((module, name))
                if found is None:
                    raise CheckpointError(f"{path.name}: refuses to load {module}.{name}")
                return found

            def persistent_load(self, pid: Any) -> Any:
                return storage(tuple(pid))

        with archive.open(pickles[0]) as stream:
            state = Restricted(stream).load()
    if not isinstance(state, dict):
        raise CheckpointError(f"{path.name}: holds no table of tensors")
    return {str(name): _as_float32(array) for name, array in state.items()}
