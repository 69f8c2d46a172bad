"""scrub"""
