"""API-Bank APIs, family by family, against the packaged databases (no HTTP here)."""

from __future__ import annotations

import json
import re

import pytest
from conftest import SHARED_DATA

from toolcoder_repl.evals.apibank.registry import BadRequest, all_apis, call
from toolcoder_repl.evals.apibank.state import State

JOHN = "a9s8d7f6g5h4j3k2l1"  # JohnDoe's token in Account.json
BAD = "not-a-token"


@pytest.fixture
def state() -> State:
    return State()


def run(state: State, api_name: str, /, **params):
    return call(state, api_name, params)


def ok(state: State, api_name: str, /, **params):
    result = run(state, api_name, **params)
    assert result["exception"] is None, result
    return result["output"]


def err(state: State, api_name: str, /, **params) -> str:
    result = run(state, api_name, **params)
    assert result["output"] is None and result["exception"], result
    return result["exception"]


def test_all_53_apis_registered():
    assert len(all_apis()) == 53


# -- accounts -------------------------------------------------------------------------------
def test_accounts(state):
    assert ok(state, "GetUserToken", username="JohnDoe", password="pass123") == {"token": JOHN}
    assert ok(state, "CheckToken", token=JOHN) == {"username": "JohnDoe"}
    token = ok(state, "RegisterUser", username="neo", password="x", email="n@e.o")["token"]
    assert re.fullmatch(r"[a-z0-9]{32}", token)
    assert ok(state, "ModifyPassword", token=token, old_password="x", new_password="y") == \
        {"status": "success"}
    assert ok(state, "GetUserToken", username="neo", password="y") == {"token": token}
    assert ok(state, "DeleteAccount", token=token) == {"status": "success"}
    assert err(state, "GetUserToken", username="neo", password="y") == "The username does not exist."


def test_forgot_password_two_phases(state):
    assert err(state, "ForgotPassword", status="Verification Code", verification_code=970420,
               new_password="z") == \
        "You need to call the API with status \\Forgot Password\\ at first."
    assert ok(state, "ForgotPassword", status="Forgot Password", username="foo",
              email="foo@example.com") == 970420
    assert ok(state, "ForgotPassword", status="Verification Code", verification_code="970420",
              new_password="z") == "success"
    assert ok(state, "GetUserToken", username="foo", password="z")["token"]


@pytest.mark.parametrize("name, params, message", [
    ("GetUserToken", {"username": "nobody", "password": "x"}, "The username does not exist."),
    ("GetUserToken", {"username": "JohnDoe", "password": "x"}, "The password is incorrect."),
    ("CheckToken", {"token": BAD}, "The token is invalid."),
    ("RegisterUser", {"username": "JohnDoe", "password": "x", "email": "e@x.y"},
     "The username already exists."),
    ("DeleteAccount", {"token": BAD}, "The token is invalid."),
    ("ModifyPassword", {"token": JOHN, "old_password": "no", "new_password": "x"},
     "The old password is incorrect."),
    ("ForgotPassword", {"status": "Forgot Password", "username": "JohnDoe"},
     "The username and email are required for the first call."),
    ("ForgotPassword", {"status": "Forgot Password", "username": "zz", "email": "a@b.c"},
     "The username does not exist."),
    ("ForgotPassword", {"status": "Forgot Password", "username": "JohnDoe", "email": "a@b.c"},
     "The email is incorrect."),
    ("ForgotPassword", {"status": "Other"},
     "The status is only \\Forgot Password\\ or \\Verification Code\\."),
])
def test_account_errors(state, name, params, message):
    assert run(state, name, **params)["exception"] == message


def test_forgot_password_second_phase_errors(state):
    ok(state, "ForgotPassword", status="Forgot Password", username="foo", email="foo@example.com")
    assert err(state, "ForgotPassword", status="Verification Code", verification_code=970420) == \
        "The new password and verification code are required for the second call."
    assert err(state, "ForgotPassword", status="Verification Code", verification_code=1,
               new_password="x") == "The verification code is incorrect."


# -- agenda, alarms, reminders, meetings --------------------------------------------------------
def test_agenda_cycle(state):
    assert ok(state, "AddAgenda", token=JOHN, content="Dentist", time="2023-05-01 09:00:00",
              location="Clinic") == "success"
    got = ok(state, "QueryAgenda", token=JOHN, content="dentist")
    assert got == {"content": "Dentist", "time": "2023-05-01 09:00:00", "location": "Clinic",
                   "username": "JohnDoe"}
    assert ok(state, "ModifyAgenda", token=JOHN, content="Dentist",
              time="2023-05-02 09:00:00") == "success"
    assert ok(state, "QueryAgenda", token=JOHN, time="2023-05-02 09:00:00")["content"] == "Dentist"
    assert ok(state, "DeleteAgenda", token=JOHN, content="Dentist") == "success"
    assert err(state, "DeleteAgenda", token=JOHN, content="Dentist") == \
        "You have no meeting about Dentist"
    assert err(state, "DeleteAgenda", token=JOHN, time="2020-01-01 00:00:00") == \
        "You have no meeting at time : 2020-01-01 00:00:00"
    assert err(state, "ModifyAgenda", token=JOHN, content="Nothing") == "You have no agenda about Nothing"
    assert err(state, "QueryAgenda", token=JOHN, time="2020-01-01 00:00:00") == \
        "You have no agenda at time : 2020-01-01 00:00:00"
    assert err(state, "QueryAgenda", token=JOHN) == "Error"
    assert err(state, "AddAgenda", token=JOHN, content=" ", time="2023-05-01 09:00:00",
               location="x") == "Content should not be null"
    assert "does not match format" in err(state, "AddAgenda", token=JOHN, content="x",
                                          time="tomorrow", location="x")
    assert err(state, "AddAgenda", token=BAD, content="x", time="2023-05-01 09:00:00",
               location="x") == "The token is invalid."


def test_alarms(state):
    assert ok(state, "AddAlarm", token=JOHN, time="2023-04-01 06:00:00") == "success"
    assert ok(state, "QueryAlarm", token=JOHN, time="2023-04-01 06:00:00") == \
        {"time": "2023-04-01 06:00:00", "username": "JohnDoe"}
    assert ok(state, "ModifyAlarm", token=JOHN, from_time="2023-04-01 06:00:00",
              to_time="2023-04-01 07:00:00") == "success"
    assert ok(state, "DeleteAlarm", token=JOHN, time="2023-04-01 07:00:00") == "success"
    assert err(state, "DeleteAlarm", token=JOHN, time="2023-04-01 07:00:00") == \
        "You have no alarm clock at time : 2023-04-01 07:00:00"
    assert err(state, "QueryAlarm", token=JOHN, time="2023-04-01 07:00:00") == \
        "You have no alarm clock at time : 2023-04-01 07:00:00"
    assert err(state, "ModifyAlarm", token=JOHN, from_time="2000-01-01 00:00:00",
               to_time="2000-01-01 01:00:00") == "You have no agenda at time : 2000-01-01 00:00:00"


def test_reminders(state):
    assert ok(state, "AddReminder", token=JOHN, content="Water plants",
              time="2023-04-02 08:00:00") == "success"
    assert ok(state, "QueryReminder", token=JOHN, content="Water plants")["time"] == \
        "2023-04-02 08:00:00"
    assert ok(state, "ModifyReminder", token=JOHN, content="Water plants",
              time="2023-04-03 08:00:00") == "success"
    assert ok(state, "DeleteReminder", token=JOHN, content="Water plants") == "success"
    missing = "You have no reminder about Water plants or at time : None"
    assert err(state, "QueryReminder", token=JOHN, content="Water plants") == missing
    assert err(state, "ModifyReminder", token=JOHN, content="Water plants") == missing
    assert err(state, "DeleteReminder", token=JOHN) == "Content should not be null"
    assert err(state, "AddReminder", token=JOHN, content="", time="2023-04-02 08:00:00") == \
        "Content should not be null"


def test_meetings(state):
    assert ok(state, "AddMeeting", token=JOHN, meeting_topic="Retro",
              start_time="2023-04-05 10:00:00", end_time="2023-04-05 11:00:00", location="A",
              attendees="['Ann', 'Bob']") == "success"
    got = ok(state, "QueryMeeting", token=JOHN, meeting_topic="Retro")
    assert got["attendees"] == ["Ann", "Bob"] and got["username"] == "JohnDoe"
    assert ok(state, "ModifyMeeting", token=JOHN, meeting_topic="Retro", location="B") == "success"
    assert ok(state, "QueryMeeting", token=JOHN, start_time="2023-04-05 10:00:00")["location"] == "B"
    assert ok(state, "DeleteMeeting", token=JOHN, meeting_topic="Retro") == "success"
    assert err(state, "QueryMeeting", token=JOHN, meeting_topic="Retro") == \
        "You have no meeting about Retro"
    assert err(state, "DeleteMeeting", token=JOHN, start_time="2000-01-01 00:00:00") == \
        "You have no meeting at time : 2000-01-01 00:00:00"
    assert err(state, "ModifyMeeting", token=JOHN) == \
        "Meeting Topic and start_time should not be null both"
    assert err(state, "AddMeeting", token=JOHN, meeting_topic="", start_time="2023-04-05 10:00:00",
               end_time="2023-04-05 11:00:00", location="A", attendees=[]) == \
        "Meeting Topic should not be null"


# -- health -----------------------------------------------------------------------------------
def test_appointments(state):
    appointment_id = ok(state, "AppointmentRegistration", patient_name="Ann", date="2023-09-01",
                        doctor_name="Dr. Who")
    assert re.fullmatch(r"\d{8}", appointment_id)
    assert ok(state, "QueryRegistration", patient_name="Ann", date="2023-09-01") == {
        appointment_id: {"patient_name": "Ann", "date": "2023-09-01", "doctor_name": "Dr. Who"}}
    assert err(state, "AppointmentRegistration", patient_name="Ann", date="2023-09-01",
               doctor_name="Dr. Who") == "This appointment has already been registered."
    assert err(state, "AppointmentRegistration", patient_name="Ann", date="2023-09-01",
               doctor_name="Dr. No") == "This patient has already been registered in this day."
    assert err(state, "AppointmentRegistration", patient_name="", date="2023-09-01",
               doctor_name="Dr. No") == "Patient name or doctor name cannot be empty."
    assert ok(state, "ModifyRegistration", appointment_id=appointment_id,
              new_appointment_date="2023-09-02") == "success"
    assert err(state, "ModifyRegistration", appointment_id=appointment_id,
               new_appointment_date="2023-09-02") == "Fail because date is not changed."
    assert err(state, "ModifyRegistration", appointment_id=appointment_id,
               new_appointment_doctor="Dr. Who") == "Fail because doctor is not changed."
    assert err(state, "ModifyRegistration", appointment_id=appointment_id,
               new_appointment_doctor=" ") == "Fail because the doctor name is empty."
    assert err(state, "ModifyRegistration", appointment_id=appointment_id) == \
        "Fail because no modification is made."
    assert err(state, "ModifyRegistration", appointment_id=appointment_id,
               new_appointment_date="2023-09-02", new_appointment_doctor="Dr. Who") == \
        "Fail because no modification is made."
    assert err(state, "ModifyRegistration", appointment_id="1") == "The appointment ID does not exist."
    assert ok(state, "CancelRegistration", appointment_id=appointment_id) == "success"
    assert err(state, "CancelRegistration", appointment_id=appointment_id) == \
        "The appointment ID is incorrect."
    assert err(state, "QueryRegistration", patient_name="Ann", date="2023-09-02") == \
        "No appointments found."


def test_health_data(state):
    assert ok(state, "RecordHealthData", user_id="z1", time="2023-03-20 08:00:00",
              health_data="[{'name': 'weight', 'value': '70'}]") == "success"
    assert ok(state, "RecordHealthData", user_id="Z1", time="2023-03-20 08:00:00",
              health_data=[{"name": "pulse", "value": "60"}]) == "success"
    assert ok(state, "QueryHealthData", user_id="z1", start_time="2023-03-20 00:00:00",
              end_time="2023-03-21 00:00:00") == [
        {"time": "2023-03-20 08:00:00", "weight": "70", "pulse": "60"}]
    assert err(state, "RecordHealthData", user_id="", time="2023-03-20 08:00:00",
               health_data=[{"name": "a", "value": 1}]) == "The user id cannot be empty."
    assert err(state, "RecordHealthData", user_id="z1", time="2023-03-20 08:00:00",
               health_data=[]) == "The health data cannot be empty."
    assert err(state, "RecordHealthData", user_id="z1", time="2023-03-20 08:00:00",
               health_data=[{"value": 1}]) == "The health data has invalid format."
    assert err(state, "RecordHealthData", user_id="z1", time="2023-03-20 08:00:00",
               health_data=[{"name": "a", "value": 1}, {"name": "a", "value": 2}]) == \
        "The health data cannot contain duplicate items."
    assert err(state, "QueryHealthData", user_id="", start_time="2023-03-20 00:00:00",
               end_time="2023-03-21 00:00:00") == "The user id cannot be empty."
    assert err(state, "QueryHealthData", user_id="nobody", start_time="2023-03-20 00:00:00",
               end_time="2023-03-21 00:00:00") == "The user id does not exist."
    assert err(state, "QueryHealthData", user_id="z1", start_time="2023-03-22 00:00:00",
               end_time="2023-03-21 00:00:00") == "The start time cannot be later than the end time."
    assert err(state, "QueryHealthData", user_id="z1", start_time="2020-01-01 00:00:00",
               end_time="2020-01-02 00:00:00") == "2020-01-01 00:00:00;  2020-01-02 00:00:00"


@pytest.mark.parametrize("name", ["EmergencyKnowledge", "SymptomSearch"])
def test_symptoms(state, name):
    out = ok(state, name, symptom="Headache")
    assert out and set(out[0]) == ({"name", "aid"} if name == "EmergencyKnowledge"
                                   else {"name", "description"})
    assert err(state, name, symptom=" ") == "The symptom cannot be empty."
    assert err(state, name, symptom="hiccups of doom") == "The symptom does not exist."


# -- finance --------------------------------------------------------------------------------------
def test_finance(state):
    assert ok(state, "QueryStock", stock_code="aapl", date="2022-01-03") == 184.5
    assert err(state, "QueryStock", stock_code="", date="2022-01-03") == "The stock code cannot be empty."
    assert err(state, "QueryStock", stock_code="ZZZZ", date="2022-01-03") == "The stock code does not exist."
    assert err(state, "QueryStock", stock_code="AAPL", date="1999-01-01") == \
        "The stock price of this date is not maintained."
    assert ok(state, "QueryBalance", token=JOHN) == 2739.25
    assert err(state, "QueryBalance", token=BAD) == "The token is incorrect."
    token = ok(state, "RegisterUser", username="poor", password="x", email="p@o.or")["token"]
    assert err(state, "QueryBalance", token=token) == "The user does not have an account."
    assert ok(state, "OpenBankAccount", account="acc", password="p", name="N") == "success"
    assert ok(state, "OpenBankAccount", account="acc", password="p", name="N") == "failed"


def test_book_hotel(state):
    order = dict(hotel_name="Ritz", check_in_time="2023-08-01", check_out_time="2023-08-03",
                 room_count="1", adult_count="2", child_count="0")
    assert ok(state, "BookHotel", **order) == "11"
    assert err(state, "BookHotel", **order) == "The room is not available."
    assert err(state, "BookHotel", **{**order, "hotel_name": "Other", "adult_count": 3}) == \
        "The number of adults is greater than 2. Two rooms are ordered."


# -- home -----------------------------------------------------------------------------------------
def test_scenes(state):
    devices = [{"name": "lamp", "description": "Desk lamp"}, {"name": "fan", "description": "Fan"}]
    assert ok(state, "AddScene", name="Work", devices=devices) == "success"
    assert ok(state, "QueryScene", name="work") == sorted(devices, key=lambda d: d["name"])
    assert err(state, "AddScene", name="WORK", devices=devices) == "Scene name already exists."
    assert err(state, "AddScene", name="", devices=devices) == "Scene name cannot be empty."
    assert err(state, "AddScene", name="x", devices=[{"name": "a"}]) == "Invalid device format."
    assert err(state, "AddScene", name="x", devices=devices + devices[:1]) == \
        "Device ID cannot be duplicated."
    assert ok(state, "ModifyScene", name="Work", devices=devices[:1]) == "success"
    assert err(state, "ModifyScene", name="Nope", devices=devices) == "The scene does not exist."
    assert ok(state, "DeleteScene", name="Work") == "success"
    assert err(state, "DeleteScene", name="Work") == "The scene does not exist."
    assert err(state, "DeleteScene", name=" ") == "Scene name cannot be empty."
    assert err(state, "QueryScene", name="Work") == "Scene not found."
    assert err(state, "QueryScene", name="") == "Scene name cannot be empty."


def test_timed_switch(state):
    assert ok(state, "TimedSwitch", name="kettle", time="2023-04-01 07:00:00", on="True") == "success"
    assert run(state, "TimedSwitch", device_id="kettle", time="2023-04-01 07:00:00",
               on=False)["input"]["device_id"] == "kettle"
    assert ok(state, "CancelTimedSwitch", name="kettle", time="2023-04-01 07:00:00") == "success"
    assert err(state, "CancelTimedSwitch", name="kettle", time="2023-04-01 07:00:00") == \
        "time does not exist."
    assert err(state, "CancelTimedSwitch", name="toaster", time="2001-01-01 00:00:00") == \
        "device_id does not exist."
    assert err(state, "CancelTimedSwitch", name=" ", time="2001-01-01 00:00:00") == \
        "device_id cannot be empty."
    assert err(state, "TimedSwitch", name=" ", time="2001-01-01 00:00:00", on=True) == \
        "device_id cannot be empty."


# -- misc -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("formula, value", [
    ("(5*6)/(2+3)", 6.0), ("25*3+7/3", 25 * 3 + 7 / 3), ("(23+7)*3-42/6", 83.0),
    ("2 * (3 + (4 - 1))", 12.0), ("8*8", 64.0)])
def test_calculator(state, formula, value):
    assert ok(state, "Calculator", formula=formula) == value


@pytest.mark.parametrize("formula", ["2^3", "1/0", "(1+2", "1.5*2", "", "abc"])
def test_calculator_invalid(state, formula):
    assert err(state, "Calculator", formula=formula) == "invalid formula"


def test_misc(state):
    today = run(state, "GetToday")
    assert today["output"] == "2023-03-31" and today["input"] is None
    history = ok(state, "QueryHistoryToday", date="2023-12-10")
    assert history == ok(state, "QueryHistoryToday", date="12-10")
    assert history[0].startswith("Title: ") and ", Date: " in history[0]
    assert err(state, "QueryHistoryToday", date="02-30") == "The date is not in the database."
    assert ok(state, "PlayMusic", music_name="Shape of You") == "music://shape of you"
    assert ok(state, "SendEmail", receiver="a@b.com", subject="s", content="c") == "success"
    assert err(state, "SendEmail", receiver="nope", subject="s", content="c")
    assert ok(state, "Wiki", keyword="Artificial_Intelligence")["url"].startswith("https://")
    assert err(state, "Wiki", keyword="zzz") == "Keyword not found."
    assert ok(state, "DocumentQA", url="https://www.example.com/article-4.txt",
              question="anything") == "The question is too difficult to answer."
    assert err(state, "DocumentQA", url="https://nowhere.example/x.txt", question="q")
    assert ok(state, "SpeechRecognition", url="https://example.com/voice1.wav")
    assert err(state, "SpeechRecognition", url="https://example.com/voice1.mp3")
    assert err(state, "ImageCaption", url="https://example.com/x.gif")


def test_search_engine_matches_stored_sample_queries(state):
    from toolcoder_repl.evals.apibank.state import load_db

    for query, expected in load_db("SearchEngine")["sample_queries"].items():
        assert ok(state, "SearchEngine", keyword=query) == expected, query


def test_dictionary_and_translate_are_recorded_or_offline(state):
    assert ok(state, "Dictionary", keyword="Plethora")[0]["partOfSpeech"] == "noun"
    assert "offline" in err(state, "Dictionary", keyword="serendipity")
    assert ok(state, "Translate", src="Hello", tgt_lang="Spanish") == "Hola"
    assert "offline" in err(state, "Translate", src="Good night", tgt_lang="de")


@pytest.mark.parametrize("keywords, best", [
    ("book hotel", "BookHotel"), ("set alarm", "AddAlarm"), ("rash", "SymptomSearch"),
    ("current date", "GetToday"), ("add schedule", "AddAgenda"),
    ("QueryHealthData", "QueryHealthData")])
def test_tool_searcher(state, keywords, best):
    out = ok(state, "ToolSearcher", keywords=keywords)
    names = [t["name"] for t in out] if isinstance(out, list) else [out["name"]]
    assert names[-1] == best
    assert names[0] == "GetUserToken" if len(names) == 2 else True
    assert set(out[-1] if isinstance(out, list) else out) == {
        "name", "description", "input_parameters", "output_parameters"}


# -- parameters ---------------------------------------------------------------------------------
@pytest.mark.parametrize("params, fragment", [
    ({"username": "JohnDoe"}, "missing required parameter(s) 'password'"),
    ({"username": "JohnDoe", "password": "x", "extra": 1}, "unknown parameter(s) 'extra'"),
    ({"username": ["JohnDoe"], "password": "x"}, "must be a string"),
])
def test_bad_parameters(state, params, fragment):
    with pytest.raises(BadRequest, match=re.escape(fragment)):
        call(state, "GetUserToken", params)


def test_wrong_types_are_bad_requests(state):
    with pytest.raises(BadRequest, match="integer"):
        call(state, "BookHotel", {"hotel_name": "x", "check_in_time": "2023-01-01",
                                  "check_out_time": "2023-01-02", "room_count": "two",
                                  "adult_count": 1, "child_count": 0})
    with pytest.raises(BadRequest, match="boolean"):
        call(state, "TimedSwitch", {"name": "x", "time": "2023-01-01 00:00:00", "on": "maybe"})
    with pytest.raises(BadRequest, match="list"):
        call(state, "RecordHealthData", {"user_id": "x", "time": "2023-01-01 00:00:00",
                                         "health_data": "not a list ["})
    with pytest.raises(BadRequest, match="JSON object"):
        call(state, "GetUserToken", ["JohnDoe", "pass123"])


def test_reset_restores_packaged_data(state):
    ok(state, "DeleteAccount", token=JOHN)
    assert err(state, "CheckToken", token=JOHN) == "The token is invalid."
    state.reset()
    assert ok(state, "CheckToken", token=JOHN) == {"username": "JohnDoe"}


def test_documented_error_strings_are_produced():
    """Every string in API-Bank's exceptions.json appears among this file's expectations."""
    path = SHARED_DATA / "api-bank" / "damo-convai" / "exceptions.json"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    source = open(__file__, encoding="utf-8").read()
    unreachable = {"Lack of token checker.",  # the token checker is always wired here
                   "No such user.",  # a valid token always names an existing account
                   "str(start_time) + ;  + str(end_time)"}  # tested in its evaluated form
    missing = []
    for api_name, messages in json.loads(path.read_text()).items():
        for message in messages:
            if message in unreachable or message == "Error":
                continue
            fixed = re.split(r"\{\w+\}", message)[0].rstrip()
            if json.dumps(fixed)[1:-1] not in source:
                missing.append((api_name, message))
    assert not missing
