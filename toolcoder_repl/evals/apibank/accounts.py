"""Accounts and tokens: GetUserToken, CheckToken, RegisterUser, DeleteAccount,
ModifyPassword, ForgotPassword (Account DB: username -> {password, token, email})."""

from __future__ import annotations

import secrets
import string

from .registry import api
from .state import ApiError, State

VERIFICATION_CODE = 970420  # API-Bank's fixed code
TOKEN_ALPHABET = string.ascii_lowercase + string.digits


@api("GetUserToken")
def get_user_token(state: State, username: str, password: str) -> dict:
    accounts = state.db("Account")
    if username not in accounts:
        raise ApiError("The username does not exist.")
    if accounts[username]["password"] != password:
        raise ApiError("The password is incorrect.")
    return {"token": accounts[username]["token"]}


@api("CheckToken")
def check_token(state: State, token: str) -> dict:
    return {"username": state.check_token(token)}


@api("RegisterUser")
def register_user(state: State, username: str, password: str, email: str) -> dict:
    accounts = state.db("Account")
    if username in accounts:
        raise ApiError("The username already exists.")
    # Random by design; the recorded tokens are 32 lowercase letters and digits.
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(32))
    accounts[username] = {"password": password, "token": token, "email": email}
    return {"token": token}


@api("DeleteAccount")
def delete_account(state: State, token: str) -> dict:
    username = state.check_token(token)
    accounts = state.db("Account")
    if username not in accounts:
        raise ApiError("No such user.")
    del accounts[username]
    return {"status": "success"}


@api("ModifyPassword")
def modify_password(state: State, token: str, old_password: str, new_password: str) -> dict:
    username = state.check_token(token)
    account = state.db("Account")[username]
    if account["password"] != old_password:
        raise ApiError("The old password is incorrect.")
    account["password"] = new_password
    return {"status": "success"}


@api("ForgotPassword")
def forgot_password(state: State, status: str, username: str | None = None,
                    email: str | None = None, verification_code: int | None = None,
                    new_password: str | None = None) -> int | str:
    accounts = state.db("Account")
    if status == "Forgot Password":
        if not username or not email:
            raise ApiError("The username and email are required for the first call.")
        if username not in accounts:
            raise ApiError("The username does not exist.")
        if accounts[username]["email"] != email:
            raise ApiError("The email is incorrect.")
        state.forgot_user = username
        return VERIFICATION_CODE
    if status == "Verification Code":
        if state.forgot_user is None:
            raise ApiError("You need to call the API with status \\Forgot Password\\ at first.")
        if verification_code is None or not new_password:
            raise ApiError("The new password and verification code are required for the "
                           "second call.")
        if verification_code != VERIFICATION_CODE:
            raise ApiError("The verification code is incorrect.")
        if state.forgot_user in accounts:
            accounts[state.forgot_user]["password"] = new_password
        state.forgot_user = None
        return "success"
    raise ApiError("The status is only \\Forgot Password\\ or \\Verification Code\\.")
