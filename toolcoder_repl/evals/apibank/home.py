"""Smart home: scenes (device groups) and timed on/off switches."""

from __future__ import annotations

from typing import Any

from .registry import api
from .state import ApiError, State, parse_time


def _scene_name(name: str) -> str:
    if not name or not name.strip():
        raise ApiError("Scene name cannot be empty.")
    return name.strip().lower()


def _devices(devices: list) -> list[dict[str, Any]]:
    if not all(isinstance(d, dict) and "name" in d and "description" in d for d in devices):
        raise ApiError("Invalid device format.")
    names = [str(d["name"]) for d in devices]
    if len(set(names)) != len(names):
        raise ApiError("Device ID cannot be duplicated.")
    return sorted(({"name": str(d["name"]), "description": str(d["description"])}
                   for d in devices), key=lambda d: d["name"])


@api("AddScene")
def add_scene(state: State, name: str, devices: list) -> str:
    key = _scene_name(name)
    normalised = _devices(devices)
    scenes = state.db("Scenes")
    if key in scenes:
        raise ApiError("Scene name already exists.")
    scenes[key] = normalised
    return "success"


@api("ModifyScene")
def modify_scene(state: State, name: str, devices: list) -> str:
    key = _scene_name(name)
    normalised = _devices(devices)
    scenes = state.db("Scenes")
    if key not in scenes:
        raise ApiError("The scene does not exist.")
    scenes[key] = normalised
    return "success"


@api("DeleteScene")
def delete_scene(state: State, name: str) -> str:
    key = _scene_name(name)
    scenes = state.db("Scenes")
    if key not in scenes:
        raise ApiError("The scene does not exist.")
    del scenes[key]
    return "success"


@api("QueryScene")
def query_scene(state: State, name: str) -> list:
    key = _scene_name(name)
    devices = state.db("Scenes").get(key)
    if devices is None:
        raise ApiError("Scene not found.")
    return [dict(d) for d in devices]


# -- timed switches (TimeSwitch DB: device -> [{time, on}]) ------------------------------
@api("TimedSwitch")
def timed_switch(state: State, name: str, time: str, on: bool) -> str:
    if not name or not str(name).strip():
        raise ApiError("device_id cannot be empty.")
    parse_time(time)
    entries = state.db("TimeSwitch").setdefault(name, [])
    for entry in entries:
        if entry["time"] == time:
            entry["on"] = on
            break
    else:
        entries.append({"time": time, "on": on})
    return "success"


@api("CancelTimedSwitch")
def cancel_timed_switch(state: State, name: str, time: str) -> str:
    if not name or not str(name).strip():
        raise ApiError("device_id cannot be empty.")
    table = state.db("TimeSwitch")
    if name not in table:
        # The recorded dialogues cancel by a numeric device id the database does not hold;
        # fall back to the one device that has a switch at exactly that time.
        holders = [d for d, entries in table.items() if any(e["time"] == time for e in entries)]
        if len(holders) != 1:
            raise ApiError("device_id does not exist.")
        name = holders[0]
    entries = table[name]
    for i, entry in enumerate(entries):
        if entry["time"] == time:
            del entries[i]
            return "success"
    raise ApiError("time does not exist.")
