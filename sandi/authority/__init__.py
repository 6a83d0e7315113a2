"""The persandian authority's tools: requests, authoring, the workspace."""
