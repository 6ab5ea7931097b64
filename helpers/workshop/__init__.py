"""Study 05: chatbot workshop (students' sheet, grader checks, real-browser test)."""
