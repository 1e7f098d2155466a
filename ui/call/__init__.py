"""The call pane: the caller, the stages of the call, the record being written."""
