// HavenAlerts: see DESIGN.md
