// HavenHTTP: see DESIGN.md
