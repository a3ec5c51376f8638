// HavenCore: see DESIGN.md
