// libxml2's XML Schema validator, for `payhub format validate`. PayHub reads XML with its own scanner;
// libxml2 is used only to check a message against the official ISO 20022 XSD.
#include <libxml/xmlversion.h>
// Debian builds libxml2 with ICU, whose headers then clash with the copy Foundation carries. Nothing
// used here touches ICU (it only adds a member to the encoding handler struct, used by pointer).
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
