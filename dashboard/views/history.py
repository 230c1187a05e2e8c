from dashboard.history_page import page

page()
