"""Health: hospital appointments, personal health records, symptom knowledge."""

from __future__ import annotations

import random

from .registry import api
from .state import ApiError, State, pad_year, parse_date, parse_time


# -- appointments (Appointments DB: 8-digit id -> {patient_name, date, doctor_name}) -----
@api("AppointmentRegistration")
def appointment_registration(state: State, patient_name: str, date: str, doctor_name: str) -> str:
    if not patient_name or not doctor_name:
        raise ApiError("Patient name or doctor name cannot be empty.")
    parse_date(date)
    date = pad_year(date)
    table = state.db("Appointments")
    for entry in table.values():
        if entry["patient_name"] == patient_name and entry["date"] == date:
            if entry["doctor_name"] == doctor_name:
                raise ApiError("This appointment has already been registered.")
            raise ApiError("This patient has already been registered in this day.")
    while True:  # random by design, like API-Bank's
        appointment_id = str(random.randint(10_000_000, 99_999_999))
        if appointment_id not in table:
            break
    table[appointment_id] = {"patient_name": patient_name, "date": date,
                             "doctor_name": doctor_name}
    return appointment_id


@api("QueryRegistration")
def query_registration(state: State, patient_name: str, date: str) -> dict:
    date = pad_year(date)
    found = {k: dict(v) for k, v in state.db("Appointments").items()
             if v["patient_name"] == patient_name and v["date"] == date}
    if not found:
        raise ApiError("No appointments found.")
    return found


@api("CancelRegistration")
def cancel_registration(state: State, appointment_id: str) -> str:
    table = state.db("Appointments")
    if appointment_id not in table:
        raise ApiError("The appointment ID is incorrect.")
    del table[appointment_id]
    return "success"


@api("ModifyRegistration")
def modify_registration(state: State, appointment_id: str, new_appointment_date: str | None = None,
                        new_appointment_doctor: str | None = None) -> str:
    table = state.db("Appointments")
    if appointment_id not in table:
        raise ApiError("The appointment ID does not exist.")
    entry = table[appointment_id]
    date, doctor = new_appointment_date, new_appointment_doctor
    if date is None and doctor is None:
        raise ApiError("Fail because no modification is made.")
    if doctor is not None and not doctor.strip():
        raise ApiError("Fail because the doctor name is empty.")
    if date is not None:
        parse_date(date)
        date = pad_year(date)
    if date is not None and doctor is not None:
        if date == entry["date"] and doctor == entry["doctor_name"]:
            raise ApiError("Fail because no modification is made.")
    elif date is not None and date == entry["date"]:
        raise ApiError("Fail because date is not changed.")
    elif doctor is not None and doctor == entry["doctor_name"]:
        raise ApiError("Fail because doctor is not changed.")
    if date is not None:
        entry["date"] = date
    if doctor is not None:
        entry["doctor_name"] = doctor
    return "success"


# -- health data (HealthData DB: USER_ID -> [{time, <metric>: value, ...}]) -------------
@api("RecordHealthData")
def record_health_data(state: State, user_id: str, time: str, health_data: list) -> str:
    if not user_id:
        raise ApiError("The user id cannot be empty.")
    if not health_data:
        raise ApiError("The health data cannot be empty.")
    if not all(isinstance(d, dict) and "name" in d and "value" in d for d in health_data):
        raise ApiError("The health data has invalid format.")
    names = [d["name"] for d in health_data]
    if len(set(names)) != len(names):
        raise ApiError("The health data cannot contain duplicate items.")
    parse_time(time)
    records = state.db("HealthData").setdefault(user_id.upper(), [])
    record = next((r for r in records if r.get("time") == time), None)
    if record is None:
        record = {"time": time}
        records.append(record)
    for item in health_data:
        record[item["name"]] = item["value"]
    return "success"


@api("QueryHealthData")
def query_health_data(state: State, user_id: str, start_time: str, end_time: str) -> list:
    if not user_id:
        raise ApiError("The user id cannot be empty.")
    records = state.db("HealthData").get(user_id.upper())
    if records is None:
        raise ApiError("The user id does not exist.")
    start, end = parse_time(start_time), parse_time(end_time)
    if start > end:
        raise ApiError("The start time cannot be later than the end time.")
    found = [dict(r) for r in records if start <= parse_time(r["time"]) <= end]
    if not found:
        # API-Bank's message for an empty range is the two bounds joined by ";  ".
        raise ApiError(f"{start_time};  {end_time}")
    return found


# -- symptoms (Symptom DB: symptom -> [{name, description, aid}]) -----------------------
def _symptom(state: State, symptom: str) -> list[dict]:
    if not symptom or not symptom.strip():
        raise ApiError("The symptom cannot be empty.")
    found = state.db("Symptom").get(symptom.strip().lower())
    if found is None:
        raise ApiError("The symptom does not exist.")
    return found


@api("EmergencyKnowledge")
def emergency_knowledge(state: State, symptom: str) -> list:
    return [{"name": d["name"], "aid": d["aid"]} for d in _symptom(state, symptom)]


@api("SymptomSearch")
def symptom_search(state: State, symptom: str) -> list:
    return [{"name": d["name"], "description": d["description"]} for d in _symptom(state, symptom)]
