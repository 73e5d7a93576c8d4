"""Dataset-card templates and generated example cards, packaged as ``bigmath.data_cards``."""

if __name__ != "bigmath.data_cards":
    raise ImportError("this folder is the package 'bigmath.data_cards'; install bigmath and import it by that name")
