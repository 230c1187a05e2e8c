from dashboard.dead_letters_page import page

page()
