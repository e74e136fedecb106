"""Documents govai writes: .docx helpers shared by the scenarios (the AIGC implicit label in a
file's custom properties, simple charts as images)."""
