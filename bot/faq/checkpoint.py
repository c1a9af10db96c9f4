"""A model's weights as NumPy arrays, from ``model.safetensors`` or PyTorch's ``pytorch_model.bin``.

No PyTorch is needed. A ``.bin`` file is a zip of a pickle that names the tensors and raw storage
files; it is read with an unpickler that knows only the few names such a file uses, so a file
that asks for anything else is refused instead of run (pickle would otherwise run code).
"""

from __future__ import annotations

import io
import json
import math
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
        kind = spec["dtype"]
        dtype = np.dtype("<u2") if kind == "BF16" else _SAFETENSORS_DTYPES.get(kind)
        if dtype is None:
            raise CheckpointError(f"{path.name}: tensor {name} has type {kind}")
        shape = [int(n) for n in spec["shape"]]
        begin, end = (int(n) for n in spec["data_offsets"])
        count = math.prod(shape)
        if not (0 <= begin <= end <= len(data) - base) or end - begin != count * dtype.itemsize:
            raise CheckpointError(f"{path.name}: tensor {name} has bad offsets")
        array = np.frombuffer(data, dtype, count, base + begin).reshape(shape)
        weights[name] = _bfloat16(array) if kind == "BF16" else _as_float32(array)
    return weights


def _as_float32(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "f":
        return array.astype(np.float32, copy=False)
    return np.array(array)


def _rebuild_tensor(
    storage: object, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any
) -> np.ndarray:
    # as_strided trusts its arguments: a file claiming more than its storage holds would read
    # memory outside it, or make a huge array of a few numbers. A saved tensor never has more
    # elements than its storage, and its last element lies inside it.
    if not isinstance(storage, np.ndarray) or storage.ndim != 1:
        raise CheckpointError("a tensor without a storage")
    numbers = (offset, *size, *stride)
    if not all(isinstance(n, int) and n >= 0 for n in numbers) or len(size) != len(stride):
        raise CheckpointError(f"a tensor's layout is not valid: {size} {stride} at {offset}")
    if math.prod(size) > len(storage):
        raise CheckpointError(f"a tensor claims more elements than its storage: {size}")
    if 0 in size:
        return np.zeros(size, storage.dtype)
    last = offset + sum((n - 1) * step for n, step in zip(size, stride, strict=True))
    if last >= len(storage):
        raise CheckpointError(f"a tensor reaches past its storage ({last} >= {len(storage)})")
    strides = tuple(s * storage.itemsize for s in stride)
    view = np.lib.stride_tricks.as_strided(storage[offset:], shape=size, strides=strides)
    return np.array(view)


def _torch_zip(path: Path) -> Weights:
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if not pickles:
            raise CheckpointError(f"{path.name}: not a zip checkpoint (saved by an old PyTorch?)")
        root = pickles[0][: -len("data.pkl")]

        def stored(name: str) -> bytes:
            # PyTorch stores its entries uncompressed; a compressed one could inflate to any size.
            try:
                info = archive.getinfo(name)
            except KeyError:
                raise CheckpointError(f"{path.name}: no entry {name}") from None
            if info.compress_type != zipfile.ZIP_STORED:
                raise CheckpointError(f"{path.name}: entry {name} is compressed")
            return archive.read(info)

        loaded: dict[str, np.ndarray] = {}  # each storage read once, however many tensors share it

        def storage(pid: tuple[Any, ...]) -> np.ndarray:
            kind, storage_type, key, _location, _numel = pid
            if kind != "storage" or not isinstance(storage_type, str):
                raise CheckpointError(f"{path.name}: unexpected storage {pid!r}")
            if storage_type not in _TORCH_DTYPES:
                raise CheckpointError(f"{path.name}: unexpected storage {pid!r}")
            key = str(key)
            if key not in loaded:
                array = np.frombuffer(stored(f"{root}data/{key}"), _TORCH_DTYPES[storage_type])
                loaded[key] = _bfloat16(array) if storage_type == "BFloat16Storage" else array
            return loaded[key]

        # Fresh callables for each file: pickle can set attributes on what find_class returns,
        # and nothing a file does may outlast its loading.
        allowed: dict[tuple[str, str], Callable[..., Any]] = {
            ("torch._utils", "_rebuild_tensor_v2"): lambda *args: _rebuild_tensor(*args),
            ("torch._utils", "_rebuild_parameter"): lambda tensor, *_: tensor,
            ("collections", "OrderedDict"): lambda *args: OrderedDict(*args),
        }

        class Restricted(pickle.Unpickler):
            def find_class(self, module: str, name: str) -> Any:
                if module == "torch" and name in _TORCH_DTYPES:
                    return name  # a plain string: the storage's type, nothing to call
                found = allowed.get((module, name))
                if found is None:
                    raise CheckpointError(f"{path.name}: refuses to load {module}.{name}")
                return found

            def persistent_load(self, pid: Any) -> Any:
                return storage(tuple(pid))

        state = Restricted(io.BytesIO(stored(pickles[0]))).load()
    if not isinstance(state, dict):
        raise CheckpointError(f"{path.name}: holds no table of tensors")
    weights: Weights = {}
    for name, array in state.items():
        if not isinstance(array, np.ndarray):
            raise CheckpointError(f"{path.name}: {name} is not a tensor")
        weights[str(name)] = _as_float32(array)
    return weights
