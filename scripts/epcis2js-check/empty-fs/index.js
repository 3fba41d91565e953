// Empty: Node's built-in 'fs' module is what epcis2.js requires.
