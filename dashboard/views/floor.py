from dashboard.floor_page import page

page()
