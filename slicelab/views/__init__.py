"""Views: renderers of a cluster or a timeline — kubectl text, tables, transcript, diagrams, plots.

Text and HTML only, no widgets; a view never mutates what it draws. Import from the submodules.
"""
