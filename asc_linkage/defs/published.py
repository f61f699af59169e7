"""(being written)"""

ASSETS: list = []
CHECKS: list = []
