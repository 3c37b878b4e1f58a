"""LLaMA-Factory's dataset registry (`dataset_info.json`): an entry read as LLaMA-Factory maps it.

An entry names a data file (`file_name`, relative to the registry's folder) and says how to read
it: `formatting` (`alpaca`, the default, or `sharegpt`), `columns` (which column plays each part:
`prompt`, `query`, `response`, `history`, `system`, `messages`, `tools`, `chosen`, `rejected`,
`kto_tag`), `tags` (the keys and role names inside ShareGPT turns) and `ranking` (preference
pairs). `entry_request` turns an entry into the `format` and column map `open_dataset` takes:

- alpaca: `instruction` <- prompt, `input` <- query, `output` <- response, plus `system` and
  `history`; with `ranking`, `chosen`/`rejected` make a preference row whose prompt is the
  instruction and input; with `kto_tag`, an unpaired preference; a file with the prompt column
  and no response column is pre-training text (as LLaMA-Factory's `pt` stage reads `c4_demo`);
- sharegpt: `conversations` <- messages (`messages` when the tags are OpenAI's role/content),
  `system`, `tools`, and `chosen`/`rejected` or `kto_tag` likewise.

Turn keys and role names other than ShareGPT's (`from`/`value`, human/gpt/...) or OpenAI's
(`role`/`content`, user/assistant/...) are refused with a clear error rather than misread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from inspector.core.errors import InputError

REGISTRY_NAME = "dataset_info.json"
#: Keys that make a JSON object a LLaMA-Factory registry entry.
ENTRY_KEYS = {
    "file_name",
    "hf_hub_url",
    "ms_hub_url",
    "om_hub_url",
    "script_url",
    "cloud_file_name",
}
SHAREGPT_TAGS = {
    "role_tag": "from",
    "content_tag": "value",
    "user_tag": "human",
    "assistant_tag": "gpt",
    "observation_tag": "observation",
    "function_tag": "function_call",
    "system_tag": "system",
}
OPENAI_TAGS = {
    "role_tag": "role",
    "content_tag": "content",
    "user_tag": "user",
    "assistant_tag": "assistant",
    "observation_tag": "tool",
    "function_tag": "function_call",
    "system_tag": "system",
}


@dataclass(frozen=True)
class Request:
    """What an entry asks `open_dataset` for."""

    name: str
    path: Path
    format: str
    column_map: dict[str, str]


def read_registry(path: Path) -> dict[str, dict]:
    """The entries of a registry file (raises `InputError` when it is not one)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"{path}: cannot read this dataset registry: {err}") from None
    if not is_registry(data):
        raise InputError(
            f"{path}: not a LLaMA-Factory dataset registry (an object of entries, each with a "
            "file_name or a hub URL)."
        )
    return data


def is_registry(data) -> bool:
    """Whether a parsed JSON value is a registry: an object of entries with a data source."""
    return (
        isinstance(data, dict)
        and bool(data)
        and all(isinstance(v, dict) for v in data.values())
        and all(ENTRY_KEYS & v.keys() for v in data.values())
    )


def looks_like_registry(path: Path) -> bool:
    """Whether a file is a registry (cheap: JSON files under 10 MB only)."""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file() or path.stat().st_size > 10 << 20:
        return False
    try:
        return is_registry(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return False


def entry_request(registry: Path, name: str, data_path: Path | None = None) -> Request:
    """The file, format and column map of entry `name` (raises `InputError`)."""
    entries = read_registry(registry)
    if name not in entries:
        local = [n for n, e in entries.items() if "file_name" in e]
        raise InputError(
            f"{registry}: no entry named {name!r}. Entries with a local file: "
            + (", ".join(local) or "(none)")
            + "."
        )
    entry = entries[name]
    if "file_name" not in entry:
        source = next(k for k in ENTRY_KEYS if k in entry)
        raise InputError(
            f"{registry}: entry {name!r} reads {source} {entry[source]!r}, not a local file; "
            "download it, then open the files."
        )
    if data_path is not None and Path(data_path).is_file():
        path = Path(data_path)
    else:
        path = (Path(data_path) if data_path else Path(registry).parent) / entry["file_name"]
    if not path.exists():
        raise InputError(f"{registry}: entry {name!r} names {path}, which does not exist.")
    fmt, mapping = _mapping(registry, name, entry, path)
    return Request(name, path, fmt, mapping)


def _mapping(registry, name: str, entry: dict, path: Path) -> tuple[str, dict[str, str]]:
    formatting = entry.get("formatting", "alpaca")
    columns = dict(entry.get("columns") or {})
    ranking = bool(entry.get("ranking"))
    kto = columns.get("kto_tag")
    out: dict[str, str] = {}

    def take(ours: str, theirs: str, default: str | None = None) -> None:
        column = columns.get(theirs, default)
        if column:
            out[ours] = column

    take("system", "system")
    take("tools", "tools")
    if formatting == "alpaca":
        if not ranking and kto is None and "response" not in columns and _lacks(path, "output"):
            out["text"] = columns.get("prompt", "instruction")  # pre-training text (`pt`)
            return "text", out
        take("instruction", "prompt", "instruction")
        take("input", "query", "input")
        take("history", "history")
        if ranking:
            take("chosen", "chosen", "chosen")
            take("rejected", "rejected", "rejected")
            return "preference", out
        if kto is not None:
            out["prompt"] = out.pop("instruction")
            out["completion"] = columns.get("response", "output")
            out["label"] = kto
            out.pop("input", None)
            return "unpaired_preference", out
        take("output", "response", "output")
        return "alpaca", out
    if formatting != "sharegpt":
        raise InputError(
            f"{registry}: entry {name!r} has formatting {formatting!r}; LLaMA-Factory knows "
            "alpaca and sharegpt."
        )
    tags = {**SHAREGPT_TAGS, **(entry.get("tags") or {})}
    style = "sharegpt"
    if tags["role_tag"] == "role" or tags["content_tag"] == "content":
        style, expected = "messages", OPENAI_TAGS
    else:
        expected = SHAREGPT_TAGS
    odd = {k: v for k, v in tags.items() if k in ("role_tag", "content_tag") and v != expected[k]}
    odd.update(
        {k: v for k, v in tags.items() if k in ("user_tag", "assistant_tag") and v != expected[k]}
    )
    if odd:
        raise InputError(
            f"{registry}: entry {name!r} uses turn tags "
            + ", ".join(f"{k}={v!r}" for k, v in odd.items())
            + f"; inspector reads ShareGPT ({SHAREGPT_TAGS['role_tag']}/"
            f"{SHAREGPT_TAGS['content_tag']}) and OpenAI (role/content) turns only."
        )
    canonical = "conversations" if style == "sharegpt" else "messages"
    out[canonical] = columns.get("messages", "conversations")
    if ranking:
        take("chosen", "chosen", "chosen")
        take("rejected", "rejected", "rejected")
        return "preference", out
    if kto is not None:
        out["label"] = kto
        return "unpaired_preference", out
    return style, out


def _lacks(path: Path, column: str) -> bool:
    """Whether the first record of a JSON/JSONL data file lacks `column` (cheap peek)."""
    from inspector.core.data.files import iter_json_records

    try:
        first = next(iter(iter_json_records(path)), None)
    except Exception:  # noqa: BLE001 - the real load reports the file's problem
        return False
    return isinstance(first, dict) and column not in first


def registry_beside(path: Path) -> Path | None:
    """A `dataset_info.json` registry in a data folder (or beside a data file), else None."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    candidate = folder / REGISTRY_NAME
    return candidate if looks_like_registry(candidate) else None


def entry_for_file(registry: Path, path: Path) -> str | None:
    """The name of the one entry whose `file_name` is `path`, else None."""
    try:
        entries = read_registry(registry)
    except InputError:
        return None
    names = [
        n
        for n, e in entries.items()
        if (registry.parent / str(e.get("file_name", ""))).resolve() == Path(path).resolve()
    ]
    return names[0] if len(names) == 1 else None


def resolve_request(
    path: Path,
    format: str | None,
    column_map: dict[str, str],
    dataset_info: Path | None = None,
    name: str | None = None,
) -> tuple[Path, str | None, dict[str, str], Request | None]:
    """`(path, format, column map, entry)` for a command: the registry entry (`--dataset-info
    FILE --name NAME`, or a `dataset_info.json` in the data folder) decides when there is one
    and the user gave neither `--format` nor `--map`; a clash is an `InputError`."""
    path = Path(path)
    registry = Path(dataset_info) if dataset_info else None
    if registry is None:
        registry = registry_beside(path)
        if registry is None:
            if name:
                folder = path if path.is_dir() else path.parent
                raise InputError(
                    f"--name {name}: no dataset_info.json in {folder}; give the registry with "
                    "--dataset-info FILE."
                )
            return path, format, column_map, None
        if name is None:
            name = entry_for_file(registry, path) if path.is_file() else None
            if name is None:
                if path.is_dir():
                    local = [n for n, e in read_registry(registry).items() if "file_name" in e]
                    raise InputError(
                        f"{path}: this folder holds a LLaMA-Factory registry ({registry.name}); "
                        "choose its dataset with --name NAME: " + ", ".join(local) + "."
                    )
                return path, format, column_map, None
    elif name is None:
        local = [n for n, e in read_registry(registry).items() if "file_name" in e]
        raise InputError(
            f"--dataset-info {registry}: say which entry with --name: " + ", ".join(local) + "."
        )
    if format is not None or column_map:
        raise InputError(
            f"{registry}: entry {name!r} already says how to read the file; drop --format and "
            "--map, or drop --dataset-info/--name to map the columns yourself."
        )
    request = entry_request(registry, name, path if path != registry else None)
    return request.path, request.format, request.column_map, request
