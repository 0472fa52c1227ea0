"""The question bank (per document, kept with it): residents' everyday questions linked to the clause and sentence that answer them, and
out-of-scope questions by category. Training data for the bank rankers and the answerability classifier."""

from corpus.bank.records import BankError, BankSet, InScopeQuestion, OutOfScopeQuestion
from corpus.bank.store import load_bank

__all__ = ["BankError", "BankSet", "InScopeQuestion", "OutOfScopeQuestion", "load_bank"]
