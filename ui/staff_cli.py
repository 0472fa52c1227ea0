"""`python -m ui staff add NAME | remove NAME | list`: staff accounts for the web app's staff pages."""

from __future__ import annotations

import argparse
import getpass
import sys

from ui.staff import MIN_PASSWORD, StaffAccounts, StaffError


def main(argv: list[str]) -> int:
    """Run a staff account action; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m ui staff", description="Staff accounts (stored hashed with scrypt).")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account or set a new password")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input (for scripts)")
    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    actions.add_parser("list", help="account names")
    args = parser.parse_args(argv)
    accounts = StaffAccounts()
    try:
        if args.action == "list":
            for name in accounts.names():
                print(name)
            return 0
        if args.action == "remove":
            accounts.remove(args.name)
            print(f"removed {args.name}")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = getpass.getpass(f"password for {args.name} (at least {MIN_PASSWORD} characters): ")
            if getpass.getpass("again: ") != password:
                print("error: the two passwords differ", file=sys.stderr)
                return 2
        accounts.add(args.name, password)
        print(f"staff account {args.name} saved in {accounts.path}")
        return 0
    except StaffError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):
        print("\nerror: no password given", file=sys.stderr)
        return 2
