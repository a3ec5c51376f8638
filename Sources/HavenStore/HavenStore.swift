// HavenStore: see DESIGN.md
