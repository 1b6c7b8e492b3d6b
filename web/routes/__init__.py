"""Web routes, one router per area. Routes parse, call one service function, render."""
