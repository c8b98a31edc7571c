"""Placeholder until the matmul differential test lands: skipped."""
import sys
print("SKIP: being written")
sys.exit(77)
