"""Personal organiser: agenda items, alarms, reminders and meetings of the token's user.

All four follow one pattern: add an entry for the user; delete / modify / query the user's
first entry whose content (topic) or time (start time) matches.
"""

from __future__ import annotations

from typing import Any

from .registry import api
from .state import ApiError, State, next_id, parse_time, same_text


def _find(table: dict[str, Any], username: str, pairs: list[tuple[str, Any]]) -> str | None:
    """Id of the user's first entry matching any (field, value) pair with a value."""
    for key, entry in table.items():
        if entry.get("username") != username:
            continue
        for field, value in pairs:
            if value and (same_text(entry.get(field), value) or entry.get(field) == value):
                return key
    return None


# -- agenda ---------------------------------------------------------------------------
def _agenda_lookup(state: State, token: str, content: str | None, time: str | None,
                   noun: str) -> tuple[dict, str]:
    username = state.check_token(token)
    table = state.db("Agenda")
    key = _find(table, username, [("content", content), ("time", time)])
    if key is None:
        if not content and not time:
            raise ApiError("Error")
        raise ApiError(f"You have no {noun} about {content}" if content
                       else f"You have no {noun} at time : {time}")
    return table, key


@api("AddAgenda")
def add_agenda(state: State, token: str, content: str, time: str, location: str) -> str:
    username = state.check_token(token)
    if not content or not content.strip():
        raise ApiError("Content should not be null")
    parse_time(time)
    table = state.db("Agenda")
    table[next_id(table)] = {"content": content, "time": time, "location": location,
                             "username": username}
    return "success"


@api("DeleteAgenda")
def delete_agenda(state: State, token: str, content: str | None = None, time: str | None = None,
                  location: str | None = None) -> str:
    table, key = _agenda_lookup(state, token, content, time, "meeting")
    del table[key]
    return "success"


@api("ModifyAgenda")
def modify_agenda(state: State, token: str, content: str | None = None, time: str | None = None,
                  location: str | None = None) -> str:
    table, key = _agenda_lookup(state, token, content, time, "agenda")
    if time:
        parse_time(time)
    entry = table[key]
    for field, value in (("content", content), ("time", time), ("location", location)):
        if value:
            entry[field] = value
    return "success"


@api("QueryAgenda")
def query_agenda(state: State, token: str, content: str | None = None, time: str | None = None,
                 location: str | None = None) -> dict:
    table, key = _agenda_lookup(state, token, content, time, "agenda")
    return dict(table[key])


# -- alarms ---------------------------------------------------------------------------
def _alarm_key(state: State, username: str, time: str) -> str | None:
    for key, entry in state.db("Alarm").items():
        if entry.get("username") == username and entry.get("time") == time:
            return key
    return None


@api("AddAlarm")
def add_alarm(state: State, token: str, time: str) -> str:
    username = state.check_token(token)
    parse_time(time)
    table = state.db("Alarm")
    table[next_id(table)] = {"time": time, "username": username}
    return "success"


@api("DeleteAlarm")
def delete_alarm(state: State, token: str, time: str) -> str:
    key = _alarm_key(state, state.check_token(token), time)
    if key is None:
        raise ApiError(f"You have no alarm clock at time : {time}")
    del state.db("Alarm")[key]
    return "success"


@api("ModifyAlarm")
def modify_alarm(state: State, token: str, from_time: str, to_time: str) -> str:
    key = _alarm_key(state, state.check_token(token), from_time)
    if key is None:
        raise ApiError(f"You have no agenda at time : {from_time}")  # sic, API-Bank's text
    parse_time(to_time)
    state.db("Alarm")[key]["time"] = to_time
    return "success"


@api("QueryAlarm")
def query_alarm(state: State, token: str, time: str) -> dict:
    key = _alarm_key(state, state.check_token(token), time)
    if key is None:
        raise ApiError(f"You have no alarm clock at time : {time}")
    return dict(state.db("Alarm")[key])


# -- reminders ------------------------------------------------------------------------
def _reminder_lookup(state: State, token: str, content: str | None,
                     time: str | None) -> tuple[dict, str]:
    username = state.check_token(token)
    if not content and not time:
        raise ApiError("Content should not be null")
    table = state.db("Reminder")
    key = _find(table, username, [("content", content), ("time", time)])
    if key is None:
        raise ApiError(f"You have no reminder about {content} or at time : {time}")
    return table, key


@api("AddReminder")
def add_reminder(state: State, token: str, content: str, time: str) -> str:
    username = state.check_token(token)
    if not content or not content.strip():
        raise ApiError("Content should not be null")
    parse_time(time)
    table = state.db("Reminder")
    table[next_id(table)] = {"content": content, "time": time, "username": username}
    return "success"


@api("DeleteReminder")
def delete_reminder(state: State, token: str, content: str | None = None,
                    time: str | None = None) -> str:
    table, key = _reminder_lookup(state, token, content, time)
    del table[key]
    return "success"


@api("ModifyReminder")
def modify_reminder(state: State, token: str, content: str | None = None,
                    time: str | None = None) -> str:
    table, key = _reminder_lookup(state, token, content, time)
    if time:
        parse_time(time)
    entry = table[key]
    if content:
        entry["content"] = content
    if time:
        entry["time"] = time
    return "success"


@api("QueryReminder")
def query_reminder(state: State, token: str, content: str | None = None,
                   time: str | None = None) -> dict:
    table, key = _reminder_lookup(state, token, content, time)
    return dict(table[key])


# -- meetings -------------------------------------------------------------------------
def _meeting_lookup(state: State, token: str, meeting_topic: str | None,
                    start_time: str | None) -> tuple[dict, str]:
    username = state.check_token(token)
    if not meeting_topic and not start_time:
        raise ApiError("Meeting Topic and start_time should not be null both")
    table = state.db("Meeting")
    key = _find(table, username, [("meeting_topic", meeting_topic), ("start_time", start_time)])
    if key is None:
        raise ApiError(f"You have no meeting about {meeting_topic}" if meeting_topic
                       else f"You have no meeting at time : {start_time}")
    return table, key


@api("AddMeeting")
def add_meeting(state: State, token: str, meeting_topic: str, start_time: str, end_time: str,
                location: str, attendees: list) -> str:
    username = state.check_token(token)
    if not meeting_topic or not meeting_topic.strip():
        raise ApiError("Meeting Topic should not be null")
    parse_time(start_time)
    parse_time(end_time)
    table = state.db("Meeting")
    table[next_id(table)] = {"meeting_topic": meeting_topic, "start_time": start_time,
                             "end_time": end_time, "location": location,
                             "attendees": list(attendees), "username": username}
    return "success"


@api("DeleteMeeting")
def delete_meeting(state: State, token: str, meeting_topic: str | None = None,
                   start_time: str | None = None, end_time: str | None = None,
                   location: str | None = None, attendees: list | None = None) -> str:
    table, key = _meeting_lookup(state, token, meeting_topic, start_time)
    del table[key]
    return "success"


@api("ModifyMeeting")
def modify_meeting(state: State, token: str, meeting_topic: str | None = None,
                   start_time: str | None = None, end_time: str | None = None,
                   location: str | None = None, attendees: list | None = None) -> str:
    table, key = _meeting_lookup(state, token, meeting_topic, start_time)
    for value in (start_time, end_time):
        if value:
            parse_time(value)
    entry = table[key]
    for field, value in (("meeting_topic", meeting_topic), ("start_time", start_time),
                         ("end_time", end_time), ("location", location),
                         ("attendees", attendees)):
        if value:
            entry[field] = value
    return "success"


@api("QueryMeeting")
def query_meeting(state: State, token: str, meeting_topic: str | None = None,
                  start_time: str | None = None, end_time: str | None = None,
                  location: str | None = None, attendees: list | None = None) -> dict:
    table, key = _meeting_lookup(state, token, meeting_topic, start_time)
    return dict(table[key])
