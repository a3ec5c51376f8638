// HavenSite: see DESIGN.md
