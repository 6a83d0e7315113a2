"""The pola: its model, signed wire form, trust rules, decisions and views."""
