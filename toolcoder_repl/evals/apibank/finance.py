"""Money and bookings: stock prices, bank accounts and balances, hotel orders."""

from __future__ import annotations

from .registry import api
from .state import ApiError, State, pad_year, parse_date


@api("QueryStock")
def query_stock(state: State, stock_code: str, date: str) -> float:
    if not stock_code or not stock_code.strip():
        raise ApiError("The stock code cannot be empty.")
    prices = state.db("Stock").get(stock_code.strip().upper())
    if prices is None:
        raise ApiError("The stock code does not exist.")
    price = prices.get(pad_year(date))
    if price is None:
        raise ApiError("The stock price of this date is not maintained.")
    return price


@api("OpenBankAccount")
def open_bank_account(state: State, account: str, password: str, name: str) -> str:
    # API-Bank answers "failed" (not an exception) for an existing account.
    if account in state.bank_accounts:
        return "failed"
    state.bank_accounts[account] = {"password": password, "name": name}
    return "success"


@api("QueryBalance")
def query_balance(state: State, token: str) -> float:
    username = state.check_token(token, "The token is incorrect.")
    account = state.db("Bank").get(username)
    if account is None:
        raise ApiError("The user does not have an account.")
    return account["balance"]


@api("BookHotel")
def book_hotel(state: State, hotel_name: str, check_in_time: str, check_out_time: str,
               room_count: int, adult_count: int, child_count: int) -> str:
    check_in, check_out = parse_date(check_in_time), parse_date(check_out_time)
    if adult_count > 2 and room_count < 2:
        raise ApiError("The number of adults is greater than 2. Two rooms are ordered.")
    orders = state.db("Hotel")
    for order in orders.values():
        if order["hotel_name"] != hotel_name:
            continue
        if check_in < parse_date(order["check_out_time"]) and parse_date(order["check_in_time"]) < check_out:
            raise ApiError("The room is not available.")
    order_id = str(len(orders) + 1)
    orders[order_id] = {"hotel_name": hotel_name, "check_in_time": check_in_time,
                        "check_out_time": check_out_time, "room_count": room_count,
                        "adult_count": adult_count, "child_count": child_count}
    return order_id
